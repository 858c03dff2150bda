// Entry point: loads Leaflet (served from npm's copy at /vendor/leaflet/), draws the communes
// as the base layer, and wires the three views (habitant, aménageur, proposer une offre).

import { api, ApiError } from "./api.js";
import { describeError } from "./problems_fr.js";
import { el, formatDate, formatInteger } from "./format.js";
import { createCitizenView } from "./citizen.js";
import { createPlannerView } from "./planner.js";
import { createProposeView } from "./propose.js";
import { createProjectsView } from "./projects.js";
import { createImpactView } from "./impact.js";
import { createWorkspaceView } from "./workspace.js";
import { setUpPlannerExport } from "./planner_export.js";
import { createAccountArea } from "./account.js";

const statusBox = document.getElementById("status");
const errorBox = document.getElementById("error");

function showStatus(message) {
  statusBox.textContent = message || "";
}

/**
 * Show an API or network error, in French, with the context of what was being done. Errors
 * of one action are listed together; clearError() starts a new action.
 */
function showError(context, error) {
  if (error && error.name === "AbortError") return;
  const detail = describeError(error);
  let list = errorBox.querySelector("ul");
  if (!list) {
    const close = el("button", { type: "button", class: "link-button" }, "Fermer");
    close.addEventListener("click", clearError);
    list = el("ul");
    errorBox.replaceChildren(list, close);
  }
  list.append(el("li", {}, el("strong", {}, `${context} : `), detail));
  errorBox.hidden = false;
}

function clearError() {
  errorBox.replaceChildren();
  errorBox.hidden = true;
}

function readConfig() {
  const data = document.body.dataset;
  let themes = [];
  let center = [3.5, 47.1];
  try {
    themes = JSON.parse(data.themes || "[]");
    center = JSON.parse(data.center || "[3.5, 47.1]");
  } catch {
    /* defaults */
  }
  return {
    tileUrl: data.tileUrl || "",
    tileAttribution: data.tileAttribution || "",
    themes,
    center,
    zoom: Number(data.zoom || 9),
  };
}

function setUpTabs(views) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  let active = null;
  function select(tab, focus) {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute("aria-selected", String(selected));
      t.tabIndex = selected ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
    const next = views[tab.dataset.view];
    if (active && active !== next) active.hide();
    active = next;
    document.body.dataset.view = tab.dataset.view;
    clearError();
    active.show();
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: 1, ArrowLeft: -1 };
      if (event.key in moves) {
        event.preventDefault();
        let j = i;
        do j = (j + moves[event.key] + tabs.length) % tabs.length;
        while (tabs[j].hidden);
        select(tabs[j], true);
      } else if (event.key === "Home" || event.key === "End") {
        event.preventDefault();
        select(tabs[event.key === "Home" ? 0 : tabs.length - 1], true);
      }
    });
  });
  select(tabs[0], false);
  return () => active;
}

function listDataLimits(health) {
  const list = document.getElementById("data-limits");
  list.replaceChildren();
  const network = health.network;
  if (network) {
    list.append(
      el(
        "li",
        {},
        // The network's name is the source's (English): the page says where it comes from.
        /travel ?mapping/i.test(network.name || "")
          ? "Réseau : routes principales de la Nièvre, d'après le projet Travel Mapping. "
          : `Réseau : « ${network.name} ». `,
        network.main_roads_only === false
          ? ""
          : "Réseau routier principal uniquement (A, N, D) : les rues et routes communales ne sont pas modélisées ; les villages sont rejoints en ligne droite.",
      ),
    );
  } else {
    list.append(el("li", {}, "Aucun réseau routier chargé : pas de calcul de temps de trajet."));
  }
  const transit = health.transit;
  if (transit && Array.isArray(transit.validity)) {
    list.append(
      el(
        "li",
        {},
        `Horaires des trains et cars TER valables du ${formatDate(transit.validity[0])} au ${formatDate(transit.validity[1])} ; une date hors de cette période est remplacée par le même jour de la semaine dans la période.`,
      ),
    );
  } else {
    list.append(el("li", {}, "Transports en commun : pas d'horaires chargés dans ce service."));
  }
  const networks = health.transit_networks;
  if (networks) {
    const loaded = (networks.loaded || []).map((n) => n.name).join(", ") || "aucun";
    const missing = (networks.missing || []).map((n) => `${n.name} (${n.what})`).join(", ");
    list.append(
      el(
        "li",
        { id: "limits-networks" },
        `Réseaux de transport en commun chargés : ${loaded}.`,
        missing ? ` Absents des données : ${missing} ; les trajets qui en dépendent ne sont pas calculés.` : "",
      ),
    );
  }
  list.append(
    el(
      "li",
      { id: "limits-opening-hours" },
      "Horaires d'ouverture des lieux : absents des données. Un lieu classé peut être fermé le jour choisi ; les festivals ne sont connus que par leur saison, pas par leurs dates.",
    ),
  );
  const counts = health.data && health.data.counts;
  if (counts) {
    const byCategory = counts.offers_by_category || {};
    list.append(
      el(
        "li",
        {},
        `${formatInteger(counts.communes)} communes, ${formatInteger(counts.population)} habitants (INSEE) ; ${formatInteger(counts.offers)} offres en données ouvertes (${formatInteger(byCategory.library)} bibliothèques, ${formatInteger(byCategory.cinema)} cinémas, ${formatInteger(byCategory.museum)} musées, ${formatInteger(byCategory.festival)} festivals).`,
      ),
    );
  }
  if (health.data && health.data.built_at) {
    list.append(el("li", {}, `Données construites le ${formatDate(health.data.built_at)}.`));
  }
}

async function start() {
  createAccountArea();
  const config = readConfig();
  let L;
  try {
    L = await import("/vendor/leaflet/leaflet-src.esm.js");
  } catch {
    showError(
      "La carte ne peut pas s'afficher",
      new Error("la bibliothèque Leaflet n'est pas installée sur le serveur (lancez « make install »)"),
    );
    return;
  }
  const map = L.map("map", {
    center: [config.center[1], config.center[0]],
    zoom: config.zoom,
    zoomSnap: 0.25,
    keyboard: true,
  });
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Communes : IGN / INSEE via france-geojson");
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 18 }).addTo(map);
    document.body.classList.add("has-tiles");
  }
  map.createPane("communes").style.zIndex = 350;
  map.createPane("bands").style.zIndex = 400;
  map.createPane("overlay").style.zIndex = 450;

  showStatus("Chargement des communes…");
  let communes;
  let health = null;
  let openapi = null;
  try {
    [communes, health, openapi] = await Promise.all([
      api.communes(),
      api.health().catch(() => null),
      api.openapi().catch(() => ({ paths: {} })),
    ]);
  } catch (e) {
    showError("Impossible de charger les communes", e);
    return;
  }
  const communeStyle = {
    pane: "communes",
    color: "#5f6b7a",
    weight: 0.6,
    fillColor: "#eef1f4",
    fillOpacity: config.tileUrl ? 0.15 : 1,
  };
  const communeLayer = L.geoJSON(communes, { style: () => communeStyle }).addTo(map);
  map.fitBounds(communeLayer.getBounds(), { padding: [8, 8] });
  if (health) listDataLimits(health);
  showStatus(`${communes.features.length} communes chargées.`);

  // What this service offers, from its OpenAPI document: features whose endpoint is absent
  // say so instead of calling it.
  const paths = openapi.paths || {};
  const has = (method, path) => Boolean(paths[path] && paths[path][method.toLowerCase()]);
  const hasPrefix = (method, prefix) =>
    Object.keys(paths).some((p) => p.startsWith(prefix) && paths[p][method.toLowerCase()]);
  /** The description of a query parameter in the OpenAPI document ("" when absent). */
  const describeParam = (method, path, name) => {
    const op = paths[path] && paths[path][method.toLowerCase()];
    const param = op && (op.parameters || []).find((p) => p.name === name);
    return (param && param.description) || "";
  };
  const ctx = {
    has,
    hasPrefix,
    describeParam,
    L,
    map,
    config,
    health,
    communes: communes.features,
    communeByCode: new Map(communes.features.map((f) => [f.properties.code, f])),
    communeLayer,
    showStatus,
    showError,
    describeError,
    clearError,
  };
  const views = {
    citizen: createCitizenView(ctx),
    planner: createPlannerView(ctx),
    propose: createProposeView(ctx),
    projects: createProjectsView(ctx),
    impact: createImpactView(ctx),
    workspace: createWorkspaceView(ctx),
  };
  setUpPlannerExport();
  const activeView = setUpTabs(views);
  map.on("click", (event) => activeView().onMapClick(event.latlng));
  document.body.dataset.ready = "true";
}

start();
