// Impact (SEROI+): what the platform changes, measured over time. An indicator's series in
// the Nièvre (a small SVG chart drawn here, text nodes only) and the map of its latest value
// per commune, from the snapshots stored by `geoservice impact snapshot`.

import { request } from "./api.js";
import { el, formatDate, textContent } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const number = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
const euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR", maximumFractionDigits: 0 });
/** Light → dark: more of the indicator. Absent (0) is white. */
const CLASS_COLORS = ["#c7e9b4", "#7fcdbb", "#41b6c4", "#225ea8"];
const UNITS = {
  offers: "offres",
  events: "événements",
  projects: "projets",
  people: "personnes",
  rides: "trajets",
  seats: "places",
  minutes: "minutes (estimation)",
  km: "km (estimation)",
  inhabitants: "habitants",
};
/** The indicators offered, with their French names until the API's labels are known. */
const BASE_INDICATORS = [
  ["offers.posted", "Offres publiées sur la plateforme"],
  ["events.held", "Événements tenus"],
  ["events.held_small_communes", "Événements dans les communes de moins de 2 000 habitants"],
  ["projects.published", "Projets publiés"],
  ["projects.members", "Membres des projets"],
  ["rides.offered", "Trajets partagés proposés"],
  ["rides.seats_booked", "Places réservées"],
  ["rides.minutes_saved", "Minutes de trajet économisées (estimation)"],
  ["rides.car_km_saved", "Kilomètres en voiture économisés (estimation)"],
  ["offers.open_data", "Offres en données ouvertes"],
];

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.append(document.createTextNode(String(text)));
  return node;
}

/** A line chart of [{date, value}] as an SVG element (axes labelled in French). */
function seriesChart(points, unit) {
  const width = 360;
  const height = 180;
  const pad = { left: 52, right: 12, top: 12, bottom: 36 };
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "impact-chart",
    role: "img",
    "aria-labelledby": "impact-chart-title",
  });
  chart.append(svg("title", { id: "impact-chart-title" }, `Évolution dans la Nièvre (${unit})`));
  const values = points.map((p) => p.value);
  const low = Math.min(0, ...values);
  const high = Math.max(...values, low + 1);
  const times = points.map((p) => Date.parse(p.date));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const x = (t) => pad.left + ((t - t0) / (t1 - t0 || 1)) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - ((v - low) / (high - low)) * (height - pad.top - pad.bottom);
  chart.append(svg("line", { x1: pad.left, y1: y(low), x2: width - pad.right, y2: y(low), class: "axis" }));
  chart.append(svg("line", { x1: pad.left, y1: pad.top, x2: pad.left, y2: y(low), class: "axis" }));
  for (const v of [low, (low + high) / 2, high]) {
    chart.append(svg("text", { x: pad.left - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, number.format(v)));
  }
  const single = points.length === 1;
  const xs = points.map((p, i) => (single ? (pad.left + width - pad.right) / 2 : x(times[i])));
  if (points.length > 1) {
    chart.append(
      svg("polyline", { points: points.map((p, i) => `${xs[i]},${y(p.value)}`).join(" "), class: "series-line" }),
    );
  }
  points.forEach((p, i) => {
    const dot = svg("circle", { cx: xs[i], cy: y(p.value), r: 4, class: "series-point" });
    dot.append(svg("title", {}, `${formatDate(p.date)} : ${number.format(p.value)}`));
    chart.append(dot);
  });
  const labelled = points.length <= 4 ? points.map((_, i) => i) : [0, points.length - 1];
  for (const i of labelled) {
    // The first label starts at its point and the last ends at its point: both stay inside.
    const anchor = single ? "middle" : i === 0 ? "start" : i === points.length - 1 ? "end" : "middle";
    chart.append(
      svg("text", { x: xs[i], y: height - pad.bottom + 16, "text-anchor": anchor, class: "tick" }, formatDate(points[i].date)),
    );
  }
  return chart;
}

export function createImpactView(ctx) {
  const { L, map } = ctx;
  const select = document.getElementById("impact-indicator");
  const chartBox = document.getElementById("impact-chart");
  const about = document.getElementById("impact-about");
  const table = document.getElementById("impact-table-body");
  const links = document.getElementById("impact-links");
  const layer = L.layerGroup();
  let legend = null;
  let loaded = false;
  let controller = null;

  for (const [id, label] of BASE_INDICATORS) select.append(el("option", { value: id }, label));
  for (const theme of ctx.config.themes) {
    select.append(
      el(
        "option",
        { value: `reach_new.drive.${theme.id}.30min.population` },
        `Habitants nouvellement à moins de 30 min en voiture d'une offre « ${theme.label} »`,
      ),
    );
  }

  function drawLegend(title, classes) {
    if (legend) legend.remove();
    legend = L.control({ position: "bottomright" });
    legend.onAdd = () => {
      const box = el("div", { class: "map-legend impact-legend" }, el("strong", {}, title));
      for (const c of classes) {
        const swatch = el("span", { class: "swatch" });
        swatch.style.backgroundColor = c.color;
        box.append(el("div", {}, swatch, c.label));
      }
      return box;
    };
    legend.addTo(map);
  }

  function drawMap(values, unit, day) {
    layer.clearLayers();
    const positive = [...values.values()].filter((v) => v > 0).sort((a, b) => a - b);
    const bounds = [0.25, 0.5, 0.75, 1].map((q) => positive[Math.max(0, Math.ceil(q * positive.length) - 1)]);
    const classOf = (v) => (v > 0 ? bounds.findIndex((b) => v <= b) : -1);
    const features = ctx.communes.map((f) => ({ ...f, properties: { ...f.properties, impact: values.get(f.properties.code) || 0 } }));
    L.geoJSON(
      { type: "FeatureCollection", features },
      {
        pane: "overlay",
        style: (f) => {
          const c = classOf(f.properties.impact);
          return {
            color: "#5f6b7a",
            weight: 0.5,
            fillColor: c < 0 ? "#ffffff" : CLASS_COLORS[c],
            fillOpacity: 0.85,
            className: c < 0 ? "impact-zone impact-zero" : "impact-zone",
          };
        },
        onEachFeature: (f, lyr) =>
          lyr.bindTooltip(textContent(`${f.properties.name} : ${number.format(f.properties.impact)} ${unit}`)),
      },
    ).addTo(layer);
    const classes = [{ label: "0", color: "#ffffff" }];
    let previous = 0;
    bounds.forEach((b, i) => {
      if (b === undefined || b <= previous) return;
      const label = previous === 0 ? `jusqu'à ${number.format(b)}` : `${number.format(previous)} – ${number.format(b)}`;
      classes.push({ label, color: CLASS_COLORS[i] });
      previous = b;
    });
    drawLegend(`Par commune au ${formatDate(day)} (${unit})`, classes);
  }

  async function load() {
    const indicator = select.value;
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    ctx.clearError();
    ctx.showStatus("Chargement des indicateurs d'impact…");
    try {
      const [total, communes] = await Promise.all([
        request("/api/v1/impact", { params: { level: "departement", indicator }, signal }),
        request("/api/v1/impact", { params: { level: "commune", indicator }, signal }),
      ]);
      const definition = (total.indicators || []).find((d) => d.id === indicator);
      const unit = UNITS[definition && definition.unit] || (definition && definition.unit) || "";
      const series = (total.series || []).find((s) => s.indicator === indicator);
      const points = series ? series.points : [];
      chartBox.replaceChildren();
      table.replaceChildren();
      about.replaceChildren();
      if (!points.length) {
        chartBox.append(
          el("p", { class: "hint" }, "Aucun instantané enregistré : l'exploitant lance « geoservice impact snapshot » chaque jour."),
        );
        layer.clearLayers();
        if (legend) legend.remove();
        ctx.showStatus("Pas encore de mesure d'impact.");
        return;
      }
      chartBox.append(seriesChart(points, unit));
      for (const p of points) {
        const cells = [el("td", {}, formatDate(p.date)), el("td", { class: "num" }, number.format(p.value))];
        if (p.proxy_value_eur !== null && p.proxy_value_eur !== undefined) {
          cells.push(el("td", { class: "num" }, `${euros.format(p.proxy_value_eur)} (valeur indicative, proxy)`));
        }
        table.append(el("tr", {}, ...cells));
      }
      if (definition) {
        about.append(
          el("p", {}, el("strong", {}, definition.label), ` — unité : ${unit}.`),
          el("p", { class: "hint" }, `Source : ${definition.source}. Définition, formule et limites : docs/impact.md.`),
        );
      }
      const proxies = total.value_proxies || {};
      about.append(
        el(
          "p",
          { class: "hint" },
          proxies.enabled
            ? "Les valeurs en euros sont des proxys indicatifs (configuration de l'exploitant, source citée), jamais des mesures."
            : "Aucune valeur monétaire : les proxys de valeur (SEROI+) sont désactivés.",
        ),
      );
      const byDay = new Map();
      for (const s of communes.series || []) {
        for (const p of s.points) {
          if (!byDay.has(p.date)) byDay.set(p.date, new Map());
          byDay.get(p.date).set(s.zone_code, p.value);
        }
      }
      const latest = points[points.length - 1].date;
      drawMap(byDay.get(latest) || new Map(), unit, latest);
      const query = new URLSearchParams({ level: "commune", indicator, format: "csv" });
      links.replaceChildren(
        el("a", { href: `/api/v1/impact?${query}` }, "Télécharger (CSV)"),
        " · ",
        el("a", { href: `/api/v1/maps/impact.png?${new URLSearchParams({ indicator })}` }, "Image (PNG)"),
      );
      ctx.showStatus(`${points.length} instantané(s), dernier le ${formatDate(latest)}.`);
    } catch (e) {
      ctx.showError("Indicateurs d'impact", e);
    }
  }

  select.addEventListener("change", load);

  return {
    show() {
      layer.addTo(map);
      if (legend) legend.addTo(map);
      if (!ctx.has("GET", "/api/v1/impact")) {
        chartBox.replaceChildren(el("p", { class: "hint" }, "Ce service ne publie pas d'indicateurs d'impact."));
        return;
      }
      if (!loaded) {
        loaded = true;
        load();
      }
    },
    hide() {
      layer.remove();
      if (legend) legend.remove();
    },
    onMapClick() {},
  };
}
