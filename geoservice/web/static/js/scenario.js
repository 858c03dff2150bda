// The planner's what-if tool: place venues (map click or commune name), compute the scenario
// (POST /api/v1/scenarios, with its shared-ride figures), show the population figures, the
// map of the communes that gain and their table (scenario_map.js), with export buttons.

import { api } from "./api.js";
import { el, formatInteger, plural, textContent } from "./format.js";
import { communeAt, communeOrigin, findCommune } from "./geo.js";
import { createExportButtons } from "./planner_export.js";
import { createGainsMap } from "./scenario_map.js";
import { sharedRidesSection } from "./shared_rides_figures.js";

const CATEGORY_NAMES = { cinema: "cinéma", library: "bibliothèque", museum: "musée", festival: "festival" };

/**
 * `hooks.read()` gives the planner's current {what, mode, threshold, targetLabel};
 * `hooks.resultShown()` is called when a result (and its map) is ready.
 */
export function createScenarioTool(ctx, parent, hooks) {
  const { L } = ctx;
  const toggle = document.getElementById("scenario-toggle");
  const list = document.getElementById("scenario-venues");
  const runButton = document.getElementById("scenario-run");
  const resultBox = document.getElementById("scenario-result");
  const category = document.getElementById("scenario-category");
  const communeInput = document.getElementById("scenario-commune");
  const communeAdd = document.getElementById("scenario-add-commune");
  const venueLayer = L.layerGroup().addTo(parent);
  const gainsMap = createGainsMap(ctx, parent);
  let venues = [];
  let adding = false;
  let hasResult = false;

  function renderVenues() {
    list.replaceChildren();
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
      list.append(el("li", {}, `Lieu ${i + 1} : ${venue.label} `, remove));
    });
    runButton.disabled = venues.length === 0;
  }

  function setAdding(on) {
    adding = on;
    toggle.setAttribute("aria-pressed", String(on));
    toggle.textContent = on ? "Terminer l'ajout de lieux" : "Ajouter un lieu sur la carte";
    document.getElementById("map").classList.toggle("adding", on);
  }

  function noGainReason(result, targetLabel) {
    const counting = (result.added || []).filter((v) => v.counts_for_target);
    if (!counting.length) {
      const kinds = [...new Set((result.added || []).map((v) => CATEGORY_NAMES[v.category] || v.category))];
      return `Le lieu ajouté (${kinds.join(", ")}) ne compte pas pour l'offre mesurée (${targetLabel}) : choisissez le type de lieu qui lui correspond.`;
    }
    return "Chaque commune a déjà une offre de ce type aussi proche que le lieu ajouté.";
  }

  function render(result, threshold, targetLabel) {
    resultBox.replaceChildren();
    const dl = el("dl");
    for (const row of result.thresholds || []) {
      dl.append(
        el("dt", {}, `Habitants nouvellement à moins de ${formatInteger(row.threshold_minutes)} min`),
        el("dd", { class: "gain" }, formatInteger(row.population_newly_within)),
        el("dt", {}, "Avant → après"),
        el("dd", {}, `${formatInteger(row.population_within_before)} → ${formatInteger(row.population_within_after)} habitants`),
      );
    }
    const { gains, collection, table, wrap } = gainsMap.draw(result, threshold, targetLabel, "scenario-gains-title");
    const people = gains.reduce((sum, g) => sum + (Number(g.population) || 0), 0);
    resultBox.append(el("h4", {}, "Gain du scénario"), dl);
    resultBox.append(el("h4", { id: "scenario-gains-title" }, "Communes qui gagnent du temps"));
    if (gains.length) {
      resultBox.append(
        el(
          "p",
          { id: "scenario-gains-summary" },
          `${plural(gains.length, "commune gagne", "communes gagnent")} du temps d'accès : ${plural(people, "habitant concerné", "habitants concernés")}.`,
        ),
        wrap,
      );
    } else {
      resultBox.append(
        el("p", { id: "scenario-no-gain", class: "no-gain" }, "Aucune commune ne gagne de temps avec ce scénario. ", noGainReason(result, targetLabel)),
      );
    }
    const exportBox = el("div", { class: "actions", id: "scenario-export" });
    resultBox.append(exportBox);
    createExportButtons(
      exportBox,
      { csv: "Exporter les gains (CSV)", geojson: "Exporter la carte des gains (GeoJSON)" },
      { csv: "communes-qui-gagnent.csv", geojson: "carte-gains-scenario.geojson" },
    ).show({ table, collection });
    if (result.shared_rides) {
      const name = (code) => {
        const commune = ctx.communeByCode.get(code);
        return commune ? commune.properties.name : code;
      };
      resultBox.append(sharedRidesSection(result.shared_rides, name, targetLabel));
    }
  }

  function addCommuneVenue() {
    const commune = findCommune(communeInput.value, ctx.communes);
    if (!commune) {
      ctx.showError("Commune introuvable", new Error(`« ${communeInput.value} » n'est pas une commune de la Nièvre`));
      communeInput.focus();
      return;
    }
    const [lon, lat] = communeOrigin(commune);
    venues.push({ commune: commune.properties.code, lon, lat, label: commune.properties.name });
    communeInput.value = "";
    renderVenues();
  }

  async function run() {
    const { what, mode, threshold, targetLabel } = hooks.read();
    ctx.clearError();
    if (!ctx.has("POST", "/api/v1/scenarios")) {
      ctx.showError("Le scénario n'a pas pu être calculé", new Error("ce service ne propose pas encore les scénarios (calcul non disponible)"));
      return;
    }
    ctx.showStatus("Calcul du scénario…");
    try {
      const result = await api.scenario({
        ...what,
        mode,
        thresholds_minutes: [threshold],
        shared_rides: true,
        add: venues.map((v, i) => ({
          ...(v.commune ? { commune: v.commune } : { lon: v.lon, lat: v.lat }),
          category: category.value,
          themes: what.theme ? [what.theme] : [],
          name: `Nouveau lieu ${i + 1}`,
        })),
      });
      render(result, threshold, targetLabel);
      hasResult = true;
      hooks.resultShown();
      ctx.showStatus("Scénario calculé : la carte montre les communes qui gagnent du temps.");
    } catch (e) {
      ctx.showError("Le scénario n'a pas pu être calculé", e);
    }
  }

  toggle.addEventListener("click", () => setAdding(!adding));
  communeAdd.addEventListener("click", addCommuneVenue);
  communeInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addCommuneVenue();
    }
  });
  runButton.addEventListener("click", run);

  return {
    gainsMap,
    hasResult: () => hasResult,
    /** Forget the result (the planner's settings changed). */
    clearResult() {
      hasResult = false;
      gainsMap.clear();
      resultBox.replaceChildren();
    },
    hide() {
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
