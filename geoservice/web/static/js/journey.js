// A public-transport journey told to people: walk to the stop, each ride (line, train or
// car, stops, times), changes with their waiting time, the last walk; and the way home.
// Drawn on the map: rides along their stops, walks dashed. Text only (never HTML).

import { el, formatDuration, plural } from "./format.js";

/** Vehicles of the API (`vehicle` of a ride leg) in French. */
export const VEHICLE_LABELS = {
  train: "Train",
  coach: "Car",
  tram: "Tram",
  metro: "Métro",
  ferry: "Bac",
  other: "Véhicule",
};

/** How one goes to or from the stops: "À pied", "À vélo", "En voiture". */
const ACCESS_LABELS = { walk: "À pied", bike: "À vélo", drive: "En voiture" };

const RIDE_COLOR = "#1d4e89";
const WALK_COLOR = "#3a3a3a";

/** "15 h 05" (or "15 h" on the hour) of an ISO local datetime, as the API gives it. */
export function formatClock(iso) {
  const match = /T(\d{2}):(\d{2})/.exec(iso || "");
  if (!match) return "—";
  const h = String(Number(match[1]));
  return match[2] === "00" ? `${h} h` : `${h} h ${match[2]}`;
}

function seconds(iso) {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t / 1000 : NaN;
}

function legSeconds(leg) {
  return seconds(leg.arrival) - seconds(leg.departure);
}

function quoted(name) {
  return `« ${name} »`;
}

function lineName(leg) {
  return leg.route_short_name || leg.route_long_name || "";
}

/** One sentence per step of `legs` (an `itinerary` of the API), waits included. */
export function journeySteps(legs, { from = "le départ", to = "l'arrivée" } = {}) {
  const steps = [];
  legs.forEach((leg, k) => {
    const previous = legs[k - 1];
    if (previous) {
      const wait = seconds(leg.departure) - seconds(previous.arrival);
      if (wait >= 60) {
        const where = leg.from_name ? ` à ${quoted(leg.from_name)}` : "";
        steps.push({ kind: "wait", text: `Attente de ${formatDuration(wait)}${where}` });
      }
    }
    const duration = formatDuration(legSeconds(leg));
    if (leg.mode === "ride") {
      const vehicle = VEHICLE_LABELS[leg.vehicle] || "Train ou car";
      const line = lineName(leg);
      // Some feeds put the train number in the headsign: a direction only when it is a place.
      const direction = /[A-Za-zÀ-ÿ]/.test(leg.headsign || "") ? ` (direction ${leg.headsign})` : "";
      steps.push({
        kind: "ride",
        vehicle: leg.vehicle || "other",
        text:
          `${vehicle}${line ? ` ${line}` : ""}${direction} : départ ${formatClock(leg.departure)} ` +
          `de ${quoted(leg.from_name)}, arrivée ${formatClock(leg.arrival)} à ${quoted(leg.to_name)}` +
          ` (${duration})`,
      });
      return;
    }
    const how = ACCESS_LABELS[leg.mode] || "À pied";
    const start = leg.from_name ? quoted(leg.from_name) : from;
    const end = leg.to_name ? quoted(leg.to_name) : to;
    if (leg.from_stop && leg.to_stop) {
      steps.push({
        kind: "change",
        text: `Correspondance : ${how.toLowerCase()} ${duration} de ${start} à ${end}`,
      });
    } else {
      steps.push({
        kind: "walk",
        text: `${how} ${duration} de ${start} à ${end} (départ ${formatClock(leg.departure)})`,
      });
    }
  });
  return steps;
}

/** The journey as an ordered list (`class="journey"`). */
export function journeyList(legs, places) {
  return el(
    "ol",
    { class: "journey" },
    journeySteps(legs, places).map((step) =>
      el("li", { class: `step step-${step.kind}`, "data-vehicle": step.vehicle }, step.text),
    ),
  );
}

/** "2 trajets en train ou car, 1 correspondance"-style summary of `legs`. */
export function journeySummary(legs) {
  const rides = legs.filter((leg) => leg.mode === "ride");
  if (!rides.length) return "Sans train ni car";
  const lines = rides.map((leg) => `${VEHICLE_LABELS[leg.vehicle] || "Train ou car"} ${lineName(leg)}`.trim());
  const changes = rides.length - 1;
  return `${lines.join(" puis ")}${changes ? `, ${plural(changes, "correspondance")}` : ", direct"}`;
}

/** The way home of one offer (`return` of /reachable?return=true), said in a sentence. */
export function returnSentence(ret, stayMinutes) {
  if (!ret) return "";
  const stay = stayMinutes % 60 === 0 ? `${stayMinutes / 60} h` : formatDuration(stayMinutes * 60);
  if (ret.possible === false || !ret.departure) {
    return ret.last_departure
      ? `Pas de retour possible ce jour-là après ${stay} sur place : le dernier retour part à ${formatClock(ret.last_departure)}.`
      : "Pas de retour possible ce jour-là : aucun départ vers chez vous.";
  }
  const how = ret.walk_only ? " (sans train ni car)" : "";
  return `Retour après ${stay} sur place : départ ${formatClock(ret.departure)}, arrivée ${formatClock(ret.arrival)}${how}.`;
}

/** The way home, as a block: its sentence and, when there is one, its steps. */
export function returnBlock(ret, stayMinutes, places) {
  const box = el(
    "div",
    { class: `way-home ${ret && ret.possible !== false && ret.departure ? "" : "no-return"}` },
    el("p", { class: "way-home-text" }, returnSentence(ret, stayMinutes)),
  );
  if (ret && Array.isArray(ret.itinerary) && ret.itinerary.length && ret.possible !== false) {
    box.append(journeyList(ret.itinerary, places));
  }
  return box;
}

/**
 * Draw `legs` on `layer`: rides along their stops (solid), walks dashed from `startLatLng`
 * (origin) and to `endLatLng` (the offer) where a leg has an open end.
 */
export function drawJourney(L, layer, legs, startLatLng, endLatLng) {
  let cursor = startLatLng;
  legs.forEach((leg, k) => {
    const points = (leg.coordinates || []).map(([lon, lat]) => [lat, lon]);
    let line = points;
    if (leg.mode !== "ride") {
      const first = leg.from_stop ? points[0] : cursor;
      const last = leg.to_stop ? points[points.length - 1] : k === legs.length - 1 ? endLatLng : null;
      line = [first, last].filter(Boolean);
    }
    if (line.length >= 2) {
      L.polyline(line, {
        pane: "overlay",
        color: leg.mode === "ride" ? RIDE_COLOR : WALK_COLOR,
        weight: leg.mode === "ride" ? 5 : 3,
        dashArray: leg.mode === "ride" ? null : "4 6",
        className: leg.mode === "ride" ? "journey-ride" : "journey-walk",
      }).addTo(layer);
    }
    if (line.length) cursor = line[line.length - 1];
  });
}
