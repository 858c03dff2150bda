// Habitant: pick a place and a mode, see the isochrone bands and the offers reachable,
// ranked by travel time (GET /api/v1/isochrones, GET /api/v1/reachable).

import { ridePanel } from "./rides_panel.js";
import { api, ApiError } from "./api.js";
import { noStopAccess, noStopMessage, todayInParis } from "./transit_access.js";
import {
  CATEGORY_LABELS,
  MODE_LABELS,
  MODE_PHRASES,
  el,
  plural,
  textContent,
  formatDate,
  formatDistance,
  formatDuration,
  formatInteger,
  safeLink,
} from "./format.js";
import { eventDetails, formatTiming, postedNumber } from "./event_details.js";
import { drawJourney, journeyList, journeySummary, returnBlock, returnSentence } from "./journey.js";
import { communeAt, communeOrigin, findCommune, pointInGeometry } from "./geo.js";

/** Band colours, shortest time first (viridis, colour-blind safe). */
const BAND_COLORS = ["#21918c", "#5ec962", "#fde725", "#fde725", "#fde725", "#fde725"];
const OFFER_COLOR = "#7b2d8e";
const SELECTED_COLOR = "#d1495b";

/** Three bands up to `maxMinutes`: 30 → 10, 20, 30. */
export function bandsFor(maxMinutes) {
  const m = Number(maxMinutes);
  return [...new Set([Math.round(m / 3), Math.round((2 * m) / 3), m])].filter((x) => x > 0);
}

function communeLabel(feature) {
  return `${feature.properties.name} (${feature.properties.code})`;
}

/**
 * One shape for every offer: open-data offers have `name` and `category`, posted ones
 * (contributions) `title` and `kind`.
 */
function normalizeOffer(item) {
  return { ...item, name: item.name ?? item.title ?? "", category: item.category ?? item.kind };
}

/** The reachable offers of a /reachable answer, whatever its envelope. */
function reachableItems(data) {
  if (!data) return [];
  if (Array.isArray(data.features)) {
    return data.features.map((f) => normalizeOffer({ ...f.properties, geometry: f.geometry }));
  }
  for (const key of ["offers", "results", "items", "reachable"]) {
    if (Array.isArray(data[key])) return data[key].map(normalizeOffer);
  }
  return [];
}

function pointOf(item) {
  const g = item.geometry || item.location;
  if (g && g.type === "Point") return g.coordinates;
  if (g && g.type === "GeometryCollection") {
    const p = g.geometries.find((x) => x.type === "Point");
    if (p) return p.coordinates;
  }
  if (Number.isFinite(item.lon) && Number.isFinite(item.lat)) return [item.lon, item.lat];
  return null;
}

function pathOf(item) {
  for (const key of ["path", "route", "itinerary"]) {
    const g = item[key];
    if (g && (g.type === "LineString" || g.type === "MultiLineString")) return g;
    if (g && g.geometry && g.geometry.type && g.geometry.type.endsWith("LineString")) {
      return g.geometry;
    }
  }
  const g = item.geometry;
  if (g && g.type === "GeometryCollection") {
    return g.geometries.find((x) => x.type.endsWith("LineString")) || null;
  }
  return null;
}

function roadsOf(item) {
  const roads = item.route_refs || item.roads || item.refs || item.roads_used;
  if (Array.isArray(roads)) return roads.filter(Boolean);
  if (typeof roads === "string" && roads) return roads.split(/[,;]\s*/);
  return [];
}

export function createCitizenView(ctx) {
  const { L, map } = ctx;
  const form = document.getElementById("citizen-form");
  const search = document.getElementById("commune-search");
  const datalist = document.getElementById("commune-list");
  const minutesSelect = document.getElementById("minutes");
  const themeSelect = document.getElementById("citizen-theme");
  const departureField = document.getElementById("departure-field");
  const departureInput = document.getElementById("departure");
  const visitDateField = document.getElementById("visit-date-field");
  const visitDateInput = document.getElementById("visit-date");
  const transitRadio = document.getElementById("mode-transit");
  const transitNote = document.getElementById("transit-note");
  const originLabel = document.getElementById("origin-label");
  const list = document.getElementById("reachable-list");
  const summary = document.getElementById("reachable-summary");
  const details = document.getElementById("offer-details");
  const centerButton = document.getElementById("use-map-center");
  const notice = document.getElementById("isochrone-notice");
  const stayInput = document.getElementById("stay-minutes");
  const returnOnlyInput = document.getElementById("return-only");
  let stayMinutes = Number(stayInput.value);

  const layer = L.layerGroup().addTo(map);
  const bandLayer = L.layerGroup().addTo(layer);
  const offerLayer = L.layerGroup().addTo(layer);
  const pathLayer = L.layerGroup().addTo(layer);
  const originLayer = L.layerGroup().addTo(layer);
  let legend = null;
  let origin = null; // {lon, lat, label}
  let controller = null;
  let markers = new Map();
  // The ranking documents its modes in the OpenAPI document; a refusal is remembered too.
  let rankingRefusesTransit = !/transit/.test(ctx.describeParam("GET", "/api/v1/reachable", "mode"));
  {
    // Default departure: today, next full hour (local time).
    const d = new Date();
    d.setMinutes(0, 0, 0);
    d.setHours(d.getHours() + 1);
    const pad = (n) => String(n).padStart(2, "0");
    departureInput.value = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:00`;
    // Road modes: the day of the outing, today in Europe/Paris unless changed.
    visitDateInput.value = todayInParis();
  }

  for (const f of [...ctx.communes].sort((a, b) =>
    a.properties.name.localeCompare(b.properties.name, "fr"),
  )) {
    datalist.append(el("option", { value: communeLabel(f) }));
  }
  for (const theme of ctx.config.themes) {
    themeSelect.append(el("option", { value: theme.id }, theme.label));
  }

  function disableTransit(reason) {
    transitRadio.disabled = true;
    if (transitRadio.checked) document.getElementById("mode-drive").checked = true;
    transitNote.textContent = reason;
    transitNote.hidden = false;
    departureField.hidden = true;
    visitDateField.hidden = false;
  }
  if (!ctx.health || !ctx.health.transit || !ctx.has("GET", "/api/v1/transit/isochrones")) {
    disableTransit(
      "Transports en commun indisponibles : ce service n'a pas d'horaires de trains ou de cars chargés.",
    );
  }

  function selectedMode() {
    const checked = form.querySelector('input[name="mode"]:checked');
    return checked ? checked.value : "drive";
  }
  form.addEventListener("change", (event) => {
    if (event.target.name === "mode") {
      departureField.hidden = selectedMode() !== "transit";
      visitDateField.hidden = selectedMode() === "transit";
    }
  });

  function setOrigin(lon, lat, label) {
    origin = { lon: Number(lon.toFixed(6)), lat: Number(lat.toFixed(6)), label };
    originLabel.textContent = `Départ : ${label}`;
  }

  function drawLegend(minutes, mode) {
    if (legend) legend.remove();
    legend = L.control({ position: "bottomright" });
    legend.onAdd = () => {
      const box = el("div", { class: "map-legend" }, el("strong", {}, `Isochrones (${MODE_LABELS[mode]})`));
      minutes.forEach((m, i) => {
        box.append(el("div", {}, el("span", { class: `swatch band-${i}` }), `≤ ${m} min`));
      });
      return box;
    };
    legend.addTo(map);
  }

  function drawBands(collection, minutes, mode) {
    bandLayer.clearLayers();
    const features = [...(collection.features || [])].sort(
      (a, b) => b.properties.value - a.properties.value,
    );
    features.forEach((feature) => {
      const i = minutes.findIndex((m) => Math.abs(m * 60 - feature.properties.value) < 1);
      const color = BAND_COLORS[i >= 0 ? i : BAND_COLORS.length - 1];
      L.geoJSON(feature, {
        pane: "bands",
        style: { color: "#1f3b4d", weight: 1, fillColor: color, fillOpacity: 0.55 },
        className: "isochrone-band",
      })
        .bindTooltip(
          textContent(`≤ ${Math.round(feature.properties.value / 60)} min : ${formatInteger(feature.properties.area_km2)} km², ~${formatInteger(feature.properties.population)} habitants`),
          { sticky: true },
        )
        .addTo(bandLayer);
    });
    drawLegend(minutes, mode);
    const bounds = L.featureGroup(bandLayer.getLayers()).getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 12 });
  }

  function showDetails(item) {
    details.replaceChildren();
    pathLayer.clearLayers();
    for (const [id, marker] of markers) {
      marker.setStyle({ fillColor: id === item.offer_id ? SELECTED_COLOR : OFFER_COLOR });
    }
    const commune = ctx.communeByCode.get(item.commune_code);
    const rows = [
      ["Catégorie", CATEGORY_LABELS[item.category] || item.category],
      [
        "Thèmes",
        (item.themes || [])
          .map((t) => (ctx.config.themes.find((x) => x.id === t) || { label: t }).label)
          .join(", "),
      ],
      ["Commune", commune ? commune.properties.name : item.commune_code],
      ["Adresse", item.address],
      ["Description", item.description],
      ["Organisateur", item.organiser],
      ["Période", item.period],
      [
        "Dates",
        (item.timings || [])
          .slice(0, 5)
          .map((t) => formatTiming(t.begin, t.end))
          .join(" ; "),
      ],
      ["Temps de trajet", item.travel_time_s !== undefined ? formatDuration(item.travel_time_s) : null],
      ["Distance", item.distance_m !== undefined ? formatDistance(item.distance_m) : null],
      ["Routes empruntées", roadsOf(item).join(", ")],
      ["Source", [item.source, item.licence].filter(Boolean).join(" — ")],
    ];
    const dl = el("dl");
    for (const [term, value] of rows) {
      if (value) dl.append(el("dt", {}, term), el("dd", {}, value));
    }
    if (item.url) dl.append(el("dt", {}, "Site"), el("dd", {}, safeLink(item.url)));
    const journey = Array.isArray(item.itinerary) ? item.itinerary : null;
    let legs = Array.isArray(item.legs) ? item.legs : [];
    if (item.legs && !Array.isArray(item.legs)) {
      // Road ranking: access leg to the network, network, egress leg to the offer.
      const parts = [
        ["Accès au réseau routier (ligne droite)", item.legs.access_s],
        [`Sur le réseau${roadsOf(item).length ? ` (${roadsOf(item).join(", ")})` : ""}`, item.legs.network_s],
        ["Du réseau jusqu'à l'offre (ligne droite)", item.legs.egress_s],
      ];
      legs = parts
        .filter(([, seconds]) => Number.isFinite(seconds) && seconds > 0)
        .map(([label, seconds]) => ({ label, travel_time_s: seconds }));
    }
    const itinerary = legs.length
      ? el(
          "ol",
          { class: "legs" },
          legs.map((leg) =>
            el(
              "li",
              {},
              [
                leg.label || "",
                leg.mode ? MODE_LABELS[leg.mode] || leg.mode : "",
                leg.from_name && leg.to_name ? `${leg.from_name} → ${leg.to_name}` : "",
                leg.route_short_name || leg.ref || "",
                leg.travel_time_s !== undefined ? formatDuration(leg.travel_time_s) : "",
                leg.distance_m !== undefined ? formatDistance(leg.distance_m) : "",
              ]
                .filter(Boolean)
                .join(" · "),
            ),
          ),
        )
      : null;
    details.append(el("h3", {}, item.name), dl);
    if (itinerary) details.append(el("h4", {}, "Itinéraire"), itinerary);
    const point = pointOf(item);
    const places = { from: origin ? origin.label : "le départ", to: item.name };
    if (journey && journey.length) {
      details.append(
        el("h4", {}, "Itinéraire en transports en commun"),
        el("p", { class: "journey-summary" }, journeySummary(journey)),
        journeyList(journey, places),
      );
      const end = point ? [point[1], point[0]] : null;
      drawJourney(L, pathLayer, journey, origin ? [origin.lat, origin.lon] : null, end);
    }
    if (item.return) {
      const home = { from: item.name, to: origin ? origin.label : "chez vous" };
      details.append(el("h4", {}, "Et pour rentrer ?"), returnBlock(item.return, stayMinutes, home));
    }
    if (["event", "festival"].includes(item.category) && ctx.has("get", "/api/v1/rides/matches")) {
      details.append(ridePanel(ctx, item, origin));
    }
    details.hidden = false;
    if (postedNumber(item.offer_id)) {
      // A posted offer: its full record (dates, venue, price, contact…) from the API.
      const shown = item.offer_id;
      const slot = el("div", { class: "event-slot" }, el("p", { class: "hint" }, "Chargement des détails…"));
      details.insertBefore(slot, dl.nextSibling);
      api
        .offer(item.offer_id)
        .then((feature) => {
          if (details.dataset.offerId === shown) slot.replaceChildren(eventDetails(feature.properties));
        })
        .catch((error) => {
          if (details.dataset.offerId === shown) slot.replaceChildren(el("p", { class: "hint" }, ctx.describeError(error)));
        });
    }
    details.dataset.offerId = item.offer_id;
    const path = journey ? null : pathOf(item);
    if (path) {
      L.geoJSON(path, { pane: "overlay", style: { color: SELECTED_COLOR, weight: 4 } }).addTo(pathLayer);
    }
    if (point) map.panTo([point[1], point[0]]);
    details.focus();
  }

  function renderList(items, { withTimes }) {
    list.replaceChildren();
    offerLayer.clearLayers();
    markers = new Map();
    details.hidden = true;
    items.forEach((item, rank) => {
      const commune = ctx.communeByCode.get(item.commune_code);
      const button = el(
        "button",
        {
          type: "button",
          class: "result",
          "data-offer-id": item.offer_id,
          "data-travel-time-s": withTimes ? item.travel_time_s : undefined,
        },
        el("span", { class: "result-rank" }, `${rank + 1}.`),
        el(
          "span",
          { class: "result-body" },
          el("span", { class: "result-name" }, item.name),
          el(
            "span",
            { class: "result-meta" },
            [CATEGORY_LABELS[item.category] || item.category, commune ? commune.properties.name : null]
              .filter(Boolean)
              .join(" · "),
          ),
          Array.isArray(item.itinerary) && item.itinerary.length
            ? el("span", { class: "result-journey" }, journeySummary(item.itinerary))
            : null,
          item.return
            ? el(
                "span",
                { class: `result-return${item.return.possible === false ? " no-return" : ""}` },
                returnSentence(item.return, stayMinutes),
              )
            : null,
        ),
        withTimes
          ? el(
              "span",
              { class: "result-time" },
              formatDuration(item.travel_time_s),
              el("small", {}, formatDistance(item.distance_m)),
            )
          : null,
      );
      button.addEventListener("click", () => showDetails(item));
      list.append(el("li", {}, button));
      const point = pointOf(item);
      if (point) {
        const marker = L.circleMarker([point[1], point[0]], {
          pane: "overlay",
          radius: 6,
          color: "#ffffff",
          weight: 1.5,
          fillColor: OFFER_COLOR,
          fillOpacity: 1,
        })
          .bindTooltip(textContent(item.name))
          .on("click", (e) => {
            L.DomEvent.stopPropagation(e);
            showDetails(item);
            button.focus();
          })
          .addTo(offerLayer);
        markers.set(item.offer_id, marker);
      }
    });
  }

  async function run() {
    if (!origin) {
      ctx.showError("Recherche impossible", new Error("choisissez d'abord une commune ou cliquez sur la carte"));
      search.focus();
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    const mode = selectedMode();
    const maxMinutes = Number(minutesSelect.value);
    const minutes = bandsFor(maxMinutes);
    const theme = themeSelect.value;
    const departure = mode === "transit" && departureInput.value ? departureInput.value : undefined;
    stayMinutes = Number(stayInput.value);
    const homeParams =
      mode === "transit"
        ? { return: true, stay_minutes: stayMinutes, return_only: returnOnlyInput.checked }
        : {};
    // Always a date: the departure's day by transit, the day of the outing by road.
    const date = mode === "transit" ? (departure || todayInParis()).slice(0, 10) : visitDateInput.value || todayInParis();
    ctx.clearError();
    notice.textContent = "";
    layer.eachLayer((l) => l.clearLayers && l.clearLayers());
    L.circleMarker([origin.lat, origin.lon], {
      pane: "overlay",
      radius: 8,
      color: "#000000",
      weight: 2,
      fillColor: "#ffffff",
      fillOpacity: 1,
    })
      .bindTooltip(textContent(`Départ : ${origin.label}`))
      .addTo(originLayer);
    ctx.showStatus(`Calcul des zones atteignables ${MODE_PHRASES[mode]}…`);
    list.setAttribute("aria-busy", "true");
    const where = { lon: origin.lon, lat: origin.lat, mode };
    const hasRanking =
      ctx.has("GET", "/api/v1/reachable") && !(mode === "transit" && rankingRefusesTransit);
    const isoParams = { lon: origin.lon, lat: origin.lat, minutes: minutes.join(",") };
    const [iso, reach] = await Promise.allSettled([
      mode === "transit"
        ? api.transitIsochrones({ ...isoParams, departure, access_mode: "walk" }, signal)
        : api.isochrones({ ...isoParams, mode }, signal),
      hasRanking
        ? api.reachable(
            {
              ...where,
              max_minutes: maxMinutes,
              theme,
              date,
              departure,
              limit: 50,
              geometry: true,
              ...homeParams,
            },
            signal,
          )
        : Promise.resolve(null),
    ]);
    if (signal.aborted) return;
    list.removeAttribute("aria-busy");
    const refusesMode = (r) =>
      r.status === "rejected" &&
      r.reason instanceof ApiError &&
      r.reason.status === 400 &&
      r.reason.invalidParams.some((p) => p.name === "mode");
    if (mode === "transit" && refusesMode(iso)) {
      disableTransit(
        `Transports en commun indisponibles : le service refuse ce mode (${ctx.describeError(iso.reason)}).`,
      );
    }
    let ranked = reach;
    if (mode === "transit" && refusesMode(reach)) {
      // The ranking is by road only: list the offers inside the transit isochrone instead.
      rankingRefusesTransit = true;
      ranked = { status: "fulfilled", value: null };
    }
    const noStop =
      mode === "transit"
        ? noStopAccess(iso.status === "fulfilled" ? iso.value : null, ranked.status === "fulfilled" ? ranked.value : null)
        : null;
    if (noStop) {
      // No stop within reach: say so, and show no walking results as "transports en commun".
      const message = noStopMessage(noStop, ctx.health);
      notice.textContent = message;
      summary.textContent = message;
      summary.classList.add("no-transit");
      renderList([], { withTimes: true });
      ctx.showStatus(`Pas de transports en commun depuis ${origin.label}.`);
      return;
    }
    summary.classList.remove("no-transit");
    if (iso.status === "fulfilled") {
      drawBands(iso.value, minutes, mode);
      const notes = [];
      if (iso.value.info && iso.value.info.main_roads_only) {
        notes.push(
          "Calcul sur le réseau routier principal (A, N, D) : villages et rues sont rejoints en ligne droite, les temps sont indicatifs.",
        );
      }
      const service = iso.value.service_date;
      if (service && service.used && service.used !== service.requested && service.holiday) {
        notes.push(
          `Horaires : la date demandée (${formatDate(service.requested)}) est un jour férié hors de la période des horaires ; ceux du ${formatDate(service.used)}, jour férié ou dimanche de cette période, sont utilisés.`,
        );
      } else if (service && service.used && service.used !== service.requested) {
        notes.push(
          `Horaires : la date demandée (${formatDate(service.requested)}) est hors de la période des horaires ; ceux du ${formatDate(service.used)}, même jour de la semaine, sont utilisés.`,
        );
      }
      notice.textContent = notes.join(" ");
    } else {
      ctx.showError("Le calcul des isochrones a échoué", iso.reason);
    }
    let items = [];
    let withTimes = true;
    if (ranked.status === "fulfilled" && ranked.value) {
      items = reachableItems(ranked.value);
      const total = ranked.value.total ?? items.length;
      summary.textContent = items.length
        ? `${plural(total, "offre")} à moins de ${maxMinutes} min ${MODE_PHRASES[mode]}${total > items.length ? ` (les ${items.length} plus proches)` : ""}, de la plus proche à la plus lointaine, temps porte à porte.`
        : `Aucune offre${theme ? " de ce thème" : ""} à moins de ${maxMinutes} min ${MODE_PHRASES[mode]}${mode === "transit" && returnOnlyInput.checked ? " avec un retour le jour même" : ""} : augmentez le temps ou changez de mode.`;
    } else if (ranked.status === "fulfilled") {
      // No ranking for this mode here: list the offers inside the largest band, without
      // travel times.
      withTimes = false;
      items = await offersInsideBands(iso.status === "fulfilled" ? iso.value : null, theme, date, signal);
      summary.textContent = `${plural(items.length, "offre")} dans la zone atteignable (temps de trajet non disponibles : ce service ne classe pas les offres ${MODE_PHRASES[mode]}).`;
    } else {
      ctx.showError("Le classement des offres accessibles a échoué", ranked.reason);
      summary.textContent = "";
    }
    renderList(items, { withTimes });
    ctx.showStatus(
      iso.status === "fulfilled" || reach.status === "fulfilled"
        ? `Résultats depuis ${origin.label} ${MODE_PHRASES[mode]}.`
        : "",
    );
  }

  async function offersInsideBands(collection, theme, date, signal) {
    if (!collection || !collection.features || !collection.features.length) return [];
    const bounds = L.geoJSON(collection).getBounds();
    const [w, s, e, n] = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()];
    const data = await api.offers({ bbox: `${w},${s},${e},${n}`, theme, date, limit: 500 }, signal);
    const largest = [...collection.features].sort((a, b) => b.properties.value - a.properties.value)[0];
    return data.features
      .filter((f) => largest && pointInGeometry(f.geometry.coordinates, largest.geometry))
      .map((f) => normalizeOffer({ ...f.properties, geometry: f.geometry }));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = search.value;
    if (text.trim() && (!origin || origin.label !== text)) {
      const commune = findCommune(text, ctx.communes);
      if (!commune) {
        ctx.showError("Commune introuvable", new Error(`« ${text} » n'est pas une commune de la Nièvre`));
        search.focus();
        return;
      }
      const [lon, lat] = communeOrigin(commune);
      setOrigin(lon, lat, communeLabel(commune));
      search.value = communeLabel(commune);
    }
    run();
  });

  centerButton.addEventListener("click", () => {
    const c = map.getCenter();
    const commune = communeAt([c.lng, c.lat], ctx.communes);
    setOrigin(c.lng, c.lat, commune ? `centre de la carte, ${communeLabel(commune)}` : "centre de la carte");
    search.value = "";
    run();
  });

  return {
    show() {
      layer.addTo(map);
      if (legend) legend.addTo(map);
    },
    hide() {
      layer.remove();
      if (legend) legend.remove();
    },
    onMapClick(latlng) {
      const commune = communeAt([latlng.lng, latlng.lat], ctx.communes);
      const label = commune
        ? `point choisi à ${commune.properties.name} (${commune.properties.code})`
        : `point ${latlng.lat.toFixed(4)}, ${latlng.lng.toFixed(4)}`;
      setOrigin(latlng.lng, latlng.lat, label);
      search.value = "";
      run();
    },
  };
}
