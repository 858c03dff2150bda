// The what-if scenario's result as a map: the communes that gain (their nearest offer of the
// measured kind gets nearer, or becomes reachable), coloured by the minutes saved, with a
// French legend; its text alternative is the table of the same communes, whose names focus
// the commune on the map. The collection drawn is the one exported (planner_export.js).

import { MODE_PHRASES, el, formatInteger, formatMinutes, plural, textContent } from "./format.js";

/** Minutes saved, largest first (sequential oranges, distinct from the access map's viridis). */
export const GAIN_CLASSES = [
  { min_s: 30 * 60, label: "30 min ou plus", color: "#7f2704" },
  { min_s: 15 * 60, label: "15 à 30 min", color: "#d94801" },
  { min_s: 5 * 60, label: "5 à 15 min", color: "#fd8d3c" },
  { min_s: 0, label: "moins de 5 min", color: "#fdd0a2" },
];
const NEWLY_REACHABLE = { label: "devient joignable", color: "#54278f" };
const NO_GAIN_COLOR = "#eef1f4"; // the base layer's fill (main.js)

const known = (v) => v !== null && v !== undefined && Number.isFinite(Number(v));

/** The scenario's communes whose time to the nearest offer drops, each with its gain. */
export function gainingCommunes(result, thresholdMinutes) {
  const limit_s = thresholdMinutes * 60;
  return (result.communes || [])
    .filter((c) => known(c.time_s_after) && (!known(c.time_s_before) || c.time_s_after < c.time_s_before))
    .map((c) => {
      const newlyReachable = !known(c.time_s_before);
      const saved_s = newlyReachable ? null : Math.round((c.time_s_before - c.time_s_after) * 10) / 10;
      const kind = newlyReachable ? NEWLY_REACHABLE : GAIN_CLASSES.find((k) => saved_s >= k.min_s);
      return {
        ...c,
        saved_s,
        newly_reachable: newlyReachable,
        newly_within_threshold: c.time_s_after <= limit_s && !(known(c.time_s_before) && c.time_s_before <= limit_s),
        gain_class: kind.label,
        color: kind.color,
      };
    })
    .sort(
      (a, b) =>
        Number(b.newly_reachable) - Number(a.newly_reachable) ||
        (b.saved_s ?? 0) - (a.saved_s ?? 0) ||
        b.population - a.population ||
        String(a.code).localeCompare(String(b.code)),
    );
}

/** Minutes with one decimal, so that before − after = gain reads right in the table. */
const minutesOf = (seconds) => formatMinutes(seconds / 60);
const oneDecimal = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
/** The table's cells: numbers only, the unit is in the column's header (it fits a phone). */
const cellMinutes = (seconds) => (known(seconds) ? oneDecimal.format(seconds / 60) : "—");
const gainText = (g) => (g.newly_reachable ? "devient joignable" : minutesOf(g.saved_s));

export function createGainsMap(ctx, parent) {
  const { L, map } = ctx;
  const layer = L.layerGroup();
  let legend = null;
  let shown = false;
  const byCode = new Map();

  function drawLegend(title, gains, thresholdMinutes) {
    if (legend) legend.remove();
    legend = L.control({ position: "bottomright" });
    legend.onAdd = () => {
      const box = el("div", { class: "map-legend", id: "scenario-legend" }, el("strong", {}, title));
      if (!gains.length) {
        box.append(el("div", {}, "Aucune commune ne gagne de temps."));
        return box;
      }
      box.append(el("div", {}, "Temps gagné vers l'offre la plus proche :"));
      for (const k of [NEWLY_REACHABLE, ...GAIN_CLASSES]) {
        const count = gains.filter((g) => g.gain_class === k.label).length;
        if (k === NEWLY_REACHABLE && !count) continue;
        const swatch = el("span", { class: "swatch" });
        swatch.style.backgroundColor = k.color;
        box.append(el("div", {}, swatch, `${k.label} (${count})`));
      }
      const none = el("span", { class: "swatch" });
      none.style.backgroundColor = NO_GAIN_COLOR;
      box.append(el("div", {}, none, "pas de gain"));
      const crossing = gains.filter((g) => g.newly_within_threshold).length;
      box.append(el("div", {}, el("span", { class: "swatch outline" }), `passe à ${thresholdMinutes} min ou moins (${crossing})`));
      return box;
    };
    if (shown) legend.addTo(map);
  }

  /** The gaining communes as the FeatureCollection drawn and exported. */
  function toCollection(result, gains, thresholdMinutes, targetLabel) {
    return {
      type: "FeatureCollection",
      title: `Communes qui gagnent du temps : ${targetLabel}, ${MODE_PHRASES[result.mode] || result.mode}`,
      target: result.target,
      mode: result.mode,
      threshold_minutes: thresholdMinutes,
      added: result.added,
      removed: result.removed,
      features: gains.map((g) => {
        const commune = ctx.communeByCode.get(g.code);
        return {
          type: "Feature",
          id: g.code,
          geometry: commune ? commune.geometry : null,
          properties: {
            code: g.code,
            name: g.name,
            population: g.population,
            time_s_before: g.time_s_before,
            time_s_after: g.time_s_after,
            saved_s: g.saved_s,
            newly_reachable: g.newly_reachable,
            newly_within_threshold: g.newly_within_threshold,
            gain_class: g.gain_class,
            color: g.color,
          },
        };
      }),
    };
  }

  function focusCommune(code) {
    const featureLayer = byCode.get(code);
    if (!featureLayer) return;
    map.fitBounds(featureLayer.getBounds(), { maxZoom: 11, padding: [24, 24] });
    featureLayer.bringToFront();
    featureLayer.openTooltip();
    ctx.showStatus(featureLayer.getTooltip().getContent().textContent);
  }

  function buildTable(gains, headingId) {
    const row = (g) => {
      const name = el("button", { type: "button", class: "link-button", "data-code": g.code }, g.name || g.code);
      name.setAttribute("aria-label", `${g.name || g.code} : montrer sur la carte`);
      name.addEventListener("click", () => focusCommune(g.code));
      return el(
        "tr",
        { "data-code": g.code },
        el("th", { scope: "row" }, name),
        el("td", { class: "num" }, formatInteger(g.population)),
        el("td", { class: "num" }, g.newly_reachable ? "injoignable" : cellMinutes(g.time_s_before)),
        el("td", { class: "num" }, cellMinutes(g.time_s_after)),
        el("td", { class: "num" }, g.newly_reachable ? "devient joignable" : cellMinutes(g.saved_s)),
      );
    };
    const head = el(
      "tr",
      {},
      ["Commune", "Habitants", "Avant (min)", "Après (min)", "Gain (min)"].map((h, i) =>
        el("th", { scope: "col", class: i ? "num" : null }, h),
      ),
    );
    const table = el(
      "table",
      { id: "scenario-gains-table", "aria-labelledby": headingId },
      el("thead", {}, head),
      el("tbody", {}, gains.map(row)),
    );
    const wrap = el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": headingId }, table);
    return { table, wrap };
  }

  return {
    /**
     * Draw the gaining communes of `result`; returns {gains, collection, table, wrap}
     * (table and wrap null when no commune gains).
     */
    draw(result, thresholdMinutes, targetLabel, headingId) {
      layer.clearLayers();
      byCode.clear();
      const gains = gainingCommunes(result, thresholdMinutes);
      const collection = toCollection(result, gains, thresholdMinutes, targetLabel);
      L.geoJSON(collection, {
        pane: "bands",
        className: "scenario-gain",
        style: (feature) => {
          const p = feature.properties;
          return {
            color: p.newly_within_threshold ? "#000000" : "#5f6b7a",
            weight: p.newly_within_threshold ? 2.4 : 0.6,
            fillColor: p.color,
            fillOpacity: 0.9,
          };
        },
        onEachFeature: (feature, featureLayer) => {
          const p = feature.properties;
          byCode.set(p.code, featureLayer);
          const times = p.newly_reachable
            ? `devient joignable en ${minutesOf(p.time_s_after)}`
            : `${minutesOf(p.time_s_before)} → ${minutesOf(p.time_s_after)} (gain : ${gainText(p)})`;
          featureLayer.bindTooltip(textContent(`${p.name} : ${times}, ${plural(p.population, "habitant")}`), {
            sticky: true,
          });
        },
      }).addTo(layer);
      drawLegend(`Gain du scénario : ${targetLabel}, ${MODE_PHRASES[result.mode] || result.mode}`, gains, thresholdMinutes);
      const { table, wrap } = gains.length ? buildTable(gains, headingId) : { table: null, wrap: null };
      return { gains, collection, table, wrap };
    },
    show() {
      shown = true;
      parent.addLayer(layer);
      if (legend) legend.addTo(map);
    },
    hide() {
      shown = false;
      parent.removeLayer(layer);
      if (legend) legend.remove();
    },
    clear() {
      this.hide();
      layer.clearLayers();
      byCode.clear();
      legend = null;
    },
    focusCommune,
  };
}
