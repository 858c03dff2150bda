// Aménageur: time to the nearest offer per commune (choropleth), underserved communes with
// their population, and a what-if scenario (add venues by clicking the map).

import { api } from "./api.js";
import {
  MODE_LABELS,
  plural,
  el,
  formatDuration,
  formatInteger,
  formatMinutes,
  textContent,
} from "./format.js";
import { communeAt, communeOrigin, findCommune } from "./geo.js";

/** Client-side classes when the API gives times but no colours (viridis, reversed). */
const FALLBACK_CLASSES = [
  { upper: 15, label: "≤ 15 min", color: "#fde725" },
  { upper: 30, label: "15–30 min", color: "#5ec962" },
  { upper: 45, label: "30–45 min", color: "#21918c" },
  { upper: 60, label: "45–60 min", color: "#3b528b" },
  { upper: Infinity, label: "> 60 min", color: "#440154" },
];
const UNREACHABLE = { label: "injoignable", color: "#a6a6a6" };
const TIME_KEYS = ["value_minutes", "time_minutes", "minutes", "travel_time_s", "time_s", "nearest_s", "value"];

/** Minutes to the nearest offer in a feature's properties (null: unreachable). */
function minutesOf(props) {
  for (const key of TIME_KEYS) {
    if (key in props) {
      const v = props[key];
      if (v === null || v === undefined || !Number.isFinite(Number(v))) return null;
      return key.endsWith("_s") || key === "value" ? Number(v) / 60 : Number(v);
    }
  }
  return null;
}

function itemsOf(data) {
  if (!data) return [];
  if (Array.isArray(data)) return data;
  if (Array.isArray(data.features)) return data.features.map((f) => ({ ...f.properties }));
  for (const key of ["zones", "communes", "items", "results", "underserved"]) {
    if (Array.isArray(data[key])) return data[key];
  }
  return [];
}

export function createPlannerView(ctx) {
  const { L, map } = ctx;
  const form = document.getElementById("planner-form");
  const targetSelect = document.getElementById("planner-target");
  const themeGroup = document.getElementById("planner-themes");
  const modeSelect = document.getElementById("planner-mode");
  const thresholdInput = document.getElementById("threshold");
  const mapNote = document.getElementById("choropleth-note");
  const underservedBody = document.getElementById("underserved-body");
  const underservedSummary = document.getElementById("underserved-summary");
  const scenarioToggle = document.getElementById("scenario-toggle");
  const scenarioList = document.getElementById("scenario-venues");
  const scenarioRun = document.getElementById("scenario-run");
  const scenarioResult = document.getElementById("scenario-result");
  const venueCategory = document.getElementById("scenario-category");
  const venueCommune = document.getElementById("scenario-commune");
  const venueCommuneAdd = document.getElementById("scenario-add-commune");
  /** Theme → the kind of venue a new one most likely is (the user can change it). */
  const CATEGORY_FOR_THEME = { cinema: "cinema", books: "library", heritage: "museum" };

  const layer = L.layerGroup();
  const choroplethLayer = L.layerGroup().addTo(layer);
  const venueLayer = L.layerGroup().addTo(layer);
  let legend = null;
  let venues = [];
  let adding = false;
  let loadedOnce = false;
  let controller = null;

  for (const theme of ctx.config.themes) {
    themeGroup.append(el("option", { value: `theme:${theme.id}` }, theme.label));
  }
  targetSelect.value = "category:cinema";
  /** The measured offer as API parameters: {category} (type de lieu) or {theme} (thème). */
  const target = () => {
    const [kind, value] = targetSelect.value.split(":");
    return kind === "category" ? { category: value } : { theme: value };
  };
  const syncCategory = () => {
    const t = target();
    venueCategory.value = t.category || CATEGORY_FOR_THEME[t.theme] || "festival";
  };
  syncCategory();
  targetSelect.addEventListener("change", syncCategory);
  if (!ctx.health || !ctx.health.transit) {
    const transit = modeSelect.querySelector('option[value="transit"]');
    if (transit) transit.remove();
  }

  /** Disable the modes the accessibility tables do not have, saying so. */
  function restrictModes(modes) {
    if (!Array.isArray(modes)) return;
    for (const option of modeSelect.options) {
      if (!option.dataset.label) option.dataset.label = option.textContent;
      const missing = !modes.includes(option.value);
      option.disabled = missing;
      option.textContent = missing ? `${option.dataset.label} (non calculé)` : option.dataset.label;
    }
  }

  /** What the figures rest on, in French; the service's own wording kept as a detail. */
  function describeMethod(collection, mode) {
    const meta = collection.metadata || {};
    const parts = [
      "Temps depuis la mairie de chaque commune (un point à l'intérieur de la commune quand la mairie publiée est hors de son contour).",
    ];
    if (meta.network && meta.network.main_roads_only) {
      parts.push("Réseau routier principal uniquement (A, N, D) : temps indicatifs.");
    }
    if (mode === "transit") {
      parts.push(
        "Transports en commun : marche, trains et cars TER, marche ; temps médian sur une fenêtre de départs (horaires de la période de validité du fichier TER).",
      );
    }
    if (collection.attribution) parts.push(`Sources : ${collection.attribution}.`);
    mapNote.replaceChildren(parts.join(" "));
    const detail = mode === "transit" ? meta.transit : meta.origins;
    if (detail) {
      mapNote.append(
        el("details", {}, el("summary", {}, "Détail de la méthode (texte du service, en anglais)"), el("p", { lang: "en" }, detail)),
      );
    }
  }

  function drawLegend(title, classes) {
    if (legend) legend.remove();
    legend = L.control({ position: "bottomright" });
    legend.onAdd = () => {
      const box = el("div", { class: "map-legend" }, el("strong", {}, title));
      for (const c of classes) {
        const swatch = el("span", { class: "swatch" });
        swatch.style.backgroundColor = c.color;
        box.append(
          el("div", {}, swatch, c.label, c.count !== undefined ? ` (${c.count})` : "", c.underserved ? " — sous-desservie" : ""),
        );
      }
      box.append(el("div", {}, el("span", { class: "swatch outline" }), "au-delà du seuil"));
      return box;
    };
    legend.addTo(map);
  }

  function drawChoropleth(collection, threshold, mode) {
    choroplethLayer.clearLayers();
    document.dispatchEvent(new CustomEvent("planner-shown", { detail: collection })); // planner_export.js
    const hasColors = collection.features.some((f) => f.properties.color);
    const legendClasses = collection.legend && Array.isArray(collection.legend.classes)
      ? collection.legend.classes.map((c) => ({ label: c.label, color: c.color, count: c.count }))
      : [...FALLBACK_CLASSES, UNREACHABLE];
    L.geoJSON(collection, {
      pane: "bands",
      className: "choropleth-zone",
      style: (feature) => {
        const p = feature.properties;
        const minutes = minutesOf(p);
        const fill = hasColors
          ? p.color
          : minutes === null
            ? UNREACHABLE.color
            : FALLBACK_CLASSES.find((c) => minutes <= c.upper).color;
        // The threshold chosen here, not the one a map endpoint may have used for its flag.
        const under = minutes === null || minutes > threshold;
        return {
          color: under ? "#000000" : "#ffffff",
          weight: under ? 2.4 : 0.5,
          fillColor: fill,
          fillOpacity: 0.85,
        };
      },
      onEachFeature: (feature, featureLayer) => {
        const p = feature.properties;
        const commune = ctx.communeByCode.get(p.code);
        const name = p.name || (commune && commune.properties.name) || p.code;
        const minutes = minutesOf(p);
        featureLayer.bindTooltip(
          textContent(`${name} : ${minutes === null ? "injoignable" : formatMinutes(minutes)}`),
          { sticky: true },
        );
      },
    }).addTo(choroplethLayer);
    // A thin white line inside the black outline: it reads on the light and the dark classes.
    L.geoJSON(collection, {
      pane: "bands",
      interactive: false,
      filter: (feature) => {
        const minutes = minutesOf(feature.properties);
        return minutes === null || minutes > threshold;
      },
      style: { color: "#ffffff", weight: 0.8, fill: false },
    }).addTo(choroplethLayer);
    drawLegend(`Temps d'accès (${MODE_LABELS[mode]}), minutes`, legendClasses);
  }

  const missing = (path) =>
    new Error(`ce service ne propose pas encore ${path} (calcul non disponible)`);

  async function loadChoropleth(params, signal) {
    if (ctx.hasPrefix("GET", "/api/v1/maps/accessibility")) {
      return api.accessibilityMap(params, signal);
    }
    if (ctx.has("GET", "/api/v1/accessibility")) {
      return api.accessibility({ ...params, level: "commune", format: "geojson" }, signal);
    }
    throw missing("la carte d'accessibilité (/api/v1/accessibility)");
  }

  function renderUnderserved(data, threshold) {
    underservedBody.replaceChildren();
    const items = itemsOf(data);
    let total = 0;
    for (const item of items) {
      const commune = ctx.communeByCode.get(item.code || item.commune_code);
      const population = item.population ?? (commune ? commune.properties.population : null);
      total += Number(population) || 0;
      const seconds = item.time_s ?? item.travel_time_s ?? null;
      const nearest = { name: item.nearest_offer_name };
      underservedBody.append(
        el(
          "tr",
          {},
          el("th", { scope: "row" }, item.name || (commune && commune.properties.name) || item.code),
          el("td", { class: "num" }, formatInteger(population)),
          el(
            "td",
            { class: "num" },
            // One decimal: 20.2 min is beyond a 20 min threshold, "20 min" would not say so.
            seconds === null || seconds === undefined ? "injoignable" : formatMinutes(seconds / 60),
          ),
          el("td", { class: "wide" }, nearest.name || ""),
        ),
      );
    }
    const totalGiven = data && (data.population_beyond ?? data.total_population);
    underservedSummary.textContent = `${plural(items.length, "commune")}, ${plural(totalGiven ?? total, "habitant")} à plus de ${threshold} min.`;
  }

  async function run() {
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    const what = target();
    const mode = modeSelect.value;
    const threshold = Number(thresholdInput.value);
    ctx.clearError();
    ctx.showStatus("Calcul de l'accessibilité des communes…");
    const [choro, under] = await Promise.allSettled([
      loadChoropleth({ ...what, mode, threshold_minutes: threshold }, signal),
      ctx.has("GET", "/api/v1/underserved")
        ? api.underserved({ ...what, mode, threshold_minutes: threshold }, signal)
        : Promise.reject(missing("la liste des communes sous-desservies (/api/v1/underserved)")),
    ]);
    if (signal.aborted) return;
    if (choro.status === "fulfilled") {
      restrictModes(choro.value.metadata && choro.value.metadata.modes);
      drawChoropleth(choro.value, threshold, mode);
      describeMethod(choro.value, mode);
    } else {
      choroplethLayer.clearLayers();
      ctx.showError("La carte d'accessibilité n'a pas pu être calculée", choro.reason);
    }
    if (under.status === "fulfilled") {
      renderUnderserved(under.value, threshold);
    } else {
      underservedBody.replaceChildren();
      underservedSummary.textContent = "";
      ctx.showError("La liste des communes sous-desservies n'a pas pu être calculée", under.reason);
    }
    ctx.showStatus(choro.status === "fulfilled" ? `Carte : ${targetSelect.selectedOptions[0].textContent}, ${MODE_LABELS[mode]}.` : "");
  }

  function renderVenues() {
    scenarioList.replaceChildren();
    venueLayer.clearLayers();
    venues.forEach((venue, i) => {
      L.circleMarker([venue.lat, venue.lon], {
        pane: "overlay",
        radius: 8,
        color: "#000000",
        weight: 2,
        fillColor: "#d1495b",
        fillOpacity: 1,
      })
        .bindTooltip(textContent(`Nouveau lieu ${i + 1}`))
        .addTo(venueLayer);
      const remove = el("button", { type: "button", class: "link-button" }, "retirer");
      remove.setAttribute("aria-label", `Retirer le lieu ${i + 1}`);
      remove.addEventListener("click", () => {
        venues.splice(i, 1);
        renderVenues();
      });
      scenarioList.append(el("li", {}, `Lieu ${i + 1} : ${venue.label} `, remove));
    });
    scenarioRun.disabled = venues.length === 0;
  }

  function setAdding(on) {
    adding = on;
    scenarioToggle.setAttribute("aria-pressed", String(on));
    scenarioToggle.textContent = on ? "Terminer l'ajout de lieux" : "Ajouter un lieu sur la carte";
    document.getElementById("map").classList.toggle("adding", on);
  }

  function renderScenario(result, threshold) {
    scenarioResult.replaceChildren();
    const dl = el("dl");
    for (const row of result.thresholds || []) {
      dl.append(
        el("dt", {}, `Habitants nouvellement à moins de ${row.threshold_minutes} min`),
        el("dd", { class: "gain" }, formatInteger(row.population_newly_within)),
        el("dt", {}, "Avant → après"),
        el(
          "dd",
          {},
          `${formatInteger(row.population_within_before)} → ${formatInteger(row.population_within_after)} habitants`,
        ),
      );
    }
    const gains = (result.communes || [])
      .filter((c) => Number.isFinite(c.delta_s) && c.delta_s < 0)
      .sort((a, b) => a.delta_s - b.delta_s || b.population - a.population)
      .slice(0, 10);
    const table = gains.length
      ? el(
          "table",
          {},
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              el("th", { scope: "col" }, "Commune"),
              el("th", { scope: "col", class: "num" }, "Habitants"),
              el("th", { scope: "col", class: "num" }, "Avant"),
              el("th", { scope: "col", class: "num" }, "Après"),
            ),
          ),
          el(
            "tbody",
            {},
            gains.map((c) =>
              el(
                "tr",
                {},
                el("th", { scope: "row" }, c.name || c.code),
                el("td", { class: "num" }, formatInteger(c.population)),
                el("td", { class: "num" }, formatDuration(c.time_s_before)),
                el("td", { class: "num" }, formatDuration(c.time_s_after)),
              ),
            ),
          ),
        )
      : null;
    scenarioResult.append(
      el("h4", {}, "Gain du scénario"),
      dl,
      el(
        "p",
        {},
        `${plural(result.communes_changed ?? gains.length, "commune")} ${(result.communes_changed ?? gains.length) < 2 ? "voit son" : "voient leur"} temps d'accès changer.`,
      ),
    );
    if (table) scenarioResult.append(el("div", { class: "table-wrap" }, table));
  }

  scenarioToggle.addEventListener("click", () => setAdding(!adding));
  function addCommuneVenue() {
    const commune = findCommune(venueCommune.value, ctx.communes);
    if (!commune) {
      ctx.showError("Commune introuvable", new Error(`« ${venueCommune.value} » n'est pas une commune de la Nièvre`));
      venueCommune.focus();
      return;
    }
    const [lon, lat] = communeOrigin(commune);
    venues.push({ commune: commune.properties.code, lon, lat, label: commune.properties.name });
    venueCommune.value = "";
    renderVenues();
  }
  venueCommuneAdd.addEventListener("click", addCommuneVenue);
  venueCommune.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addCommuneVenue();
    }
  });
  scenarioRun.addEventListener("click", async () => {
    const what = target();
    const mode = modeSelect.value;
    const threshold = Number(thresholdInput.value);
    ctx.clearError();
    if (!ctx.has("POST", "/api/v1/scenarios")) {
      ctx.showError("Le scénario n'a pas pu être calculé", missing("les scénarios (/api/v1/scenarios)"));
      return;
    }
    ctx.showStatus("Calcul du scénario…");
    try {
      const result = await api.scenario({
        ...what,
        mode,
        thresholds_minutes: [threshold],
        add: venues.map((v, i) => ({
          ...(v.commune ? { commune: v.commune } : { lon: v.lon, lat: v.lat }),
          category: venueCategory.value,
          themes: what.theme ? [what.theme] : [],
          name: `Nouveau lieu ${i + 1}`,
        })),
      });
      renderScenario(result, threshold);
      ctx.showStatus("Scénario calculé.");
    } catch (e) {
      ctx.showError("Le scénario n'a pas pu être calculé", e);
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  return {
    show() {
      layer.addTo(map);
      if (legend) legend.addTo(map);
      if (!loadedOnce) {
        loadedOnce = true;
        run();
      }
    },
    hide() {
      layer.remove();
      if (legend) legend.remove();
      setAdding(false);
    },
    onMapClick(latlng) {
      if (!adding) return;
      const commune = communeAt([latlng.lng, latlng.lat], ctx.communes);
      venues.push({
        lon: Number(latlng.lng.toFixed(6)),
        lat: Number(latlng.lat.toFixed(6)),
        label: commune ? commune.properties.name : `${latlng.lat.toFixed(4)}, ${latlng.lng.toFixed(4)}`,
      });
      renderVenues();
    },
  };
}
