// Aménageur: time to the nearest offer per commune (choropleth), underserved communes with
// their population, and a what-if scenario (scenario.js) whose map of the communes that gain
// replaces the choropleth while it is chosen.

import { api } from "./api.js";
import { MODE_LABELS, plural, el, formatInteger, formatMinutes, textContent } from "./format.js";
import { createScenarioTool } from "./scenario.js";

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
  const venueCategory = document.getElementById("scenario-category");
  const mapChoice = document.getElementById("planner-map-choice");
  /** Theme → the kind of venue a new one most likely is (the user can change it). */
  const CATEGORY_FOR_THEME = { cinema: "cinema", books: "library", heritage: "museum" };

  const layer = L.layerGroup();
  const choroplethLayer = L.layerGroup().addTo(layer);
  let legend = null;
  let shownMap = "access"; // or "gains": the scenario's map
  let visible = false;
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
    if (visible && shownMap === "access") legend.addTo(map);
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

  /** Show the access map ("access") or the scenario's gains ("gains"), with its legend. */
  function selectMap(which) {
    shownMap = which === "gains" && scenario.hasResult() ? "gains" : "access";
    mapChoice.hidden = !scenario.hasResult();
    for (const radio of mapChoice.querySelectorAll("input")) radio.checked = radio.value === shownMap;
    if (shownMap === "gains") {
      layer.removeLayer(choroplethLayer);
      if (legend) legend.remove();
      if (visible) scenario.gainsMap.show();
    } else {
      scenario.gainsMap.hide();
      layer.addLayer(choroplethLayer);
      if (legend && visible) legend.addTo(map);
    }
  }

  const scenario = createScenarioTool(ctx, layer, {
    read: () => ({
      what: target(),
      mode: modeSelect.value,
      threshold: Number(thresholdInput.value),
      targetLabel: targetSelect.selectedOptions[0].textContent,
    }),
    resultShown: () => selectMap("gains"),
  });
  mapChoice.addEventListener("change", (event) => selectMap(event.target.value));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // The scenario's result belonged to the former settings.
    scenario.clearResult();
    selectMap("access");
    run();
  });

  return {
    show() {
      visible = true;
      layer.addTo(map);
      selectMap(shownMap);
      if (!loadedOnce) {
        loadedOnce = true;
        run();
      }
    },
    hide() {
      visible = false;
      layer.remove();
      if (legend) legend.remove();
      scenario.gainsMap.hide();
      scenario.hide();
    },
    onMapClick(latlng) {
      scenario.onMapClick(latlng);
    },
  };
}
