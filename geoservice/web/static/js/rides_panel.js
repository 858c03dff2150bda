// « Proposer / trouver un covoiturage » on an offer's details: rides to it ranked by the
// driver's detour to pick the person up, booking a seat, offering a ride. Seats offered by
// people, not a transport service. Text nodes only (el()).

import { api, ApiError } from "./api.js";
import { el, formatDateTime, formatDuration } from "./format.js";
import { findCommune } from "./geo.js";

function inFrench(error) {
  if (error instanceof ApiError && error.status === 401) {
    return new Error("connectez-vous (« Se connecter ») pour proposer ou réserver");
  }
  return error;
}

let counter = 0;

/** The panel for `item` (an offer of the ranking); `origin` is the person's {lon, lat}. */
export function ridePanel(ctx, item, origin) {
  const n = ++counter;
  const id = (name) => `ride-${name}-${n}`;
  const results = el("ul", { class: "rides", id: id("results") });
  const message = el("p", { class: "success", role: "status" });
  const contact = el("input", { id: id("contact"), maxlength: "200", placeholder: "téléphone ou courriel" });
  const communeName = (code) => {
    const commune = ctx.communeByCode.get(code);
    return commune ? commune.properties.name : code || "?";
  };

  async function find() {
    results.replaceChildren();
    message.textContent = "";
    try {
      const params = { event: item.offer_id, ...(origin ? { lon: origin.lon, lat: origin.lat } : {}) };
      const answer = await api.rideMatches(params);
      if (!answer.matches.length) {
        results.append(el("li", { class: "hint" }, "Aucun covoiturage ne passe près de chez vous pour l'instant."));
      }
      for (const ride of answer.matches) {
        const book = el("button", { type: "button" }, "Demander une place");
        book.addEventListener("click", async () => {
          try {
            await api.bookRide(ride.ride_id, { contact: contact.value, lon: origin.lon, lat: origin.lat });
            message.textContent = "Demande envoyée : le conducteur l'accepte ou la refuse ; vos coordonnées sont échangées après acceptation.";
          } catch (e) {
            ctx.showError("Réserver une place", inFrench(e));
          }
        });
        results.append(
          el(
            "li",
            {},
            `Départ de ${communeName(ride.departure_commune_code)} le ${formatDateTime(ride.departure)} — détour du conducteur ${formatDuration(ride.detour_s)} — ${ride.seats_free} place(s) `,
            book,
          ),
        );
      }
    } catch (e) {
      ctx.showError("Trouver un covoiturage", e);
    }
  }

  const commune = el("input", { id: id("commune"), list: "commune-list", autocomplete: "off" });
  const departure = el("input", { id: id("departure"), type: "datetime-local" });
  const seats = el("input", { id: id("seats"), type: "number", min: "1", max: "8", value: "3" });
  const detour = el("input", { id: id("detour"), type: "number", min: "0", max: "120", value: "15" });
  const offerForm = el(
    "form",
    { class: "ride-form", id: id("form") },
    el("label", { for: id("commune") }, "Je pars de (commune)"),
    commune,
    el("label", { for: id("departure") }, "Départ"),
    departure,
    el("label", { for: id("seats") }, "Places"),
    seats,
    el("label", { for: id("detour") }, "Détour accepté (min)"),
    detour,
    el("button", { type: "submit" }, "Proposer ce trajet"),
  );
  offerForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const place = findCommune(commune.value, ctx.communes);
    if (!place) {
      ctx.showError("Proposer un covoiturage", new Error("indiquez une commune de la Nièvre"));
      return;
    }
    try {
      await api.offerRide({
        event: item.offer_id,
        commune_code: place.properties.code,
        departure: departure.value,
        seats: Number(seats.value),
        max_detour_minutes: Number(detour.value),
        contact: contact.value,
      });
      message.textContent = "Trajet proposé : il apparaît pour les personnes près de votre chemin (seule votre commune est affichée).";
    } catch (e) {
      ctx.showError("Proposer un covoiturage", inFrench(e));
    }
  });
  const findButton = el("button", { type: "button", id: id("find") }, "Trouver un covoiturage");
  findButton.addEventListener("click", find);
  return el(
    "section",
    { class: "ride-panel", "aria-label": "Covoiturage" },
    el("h4", {}, "Proposer / trouver un covoiturage"),
    el("p", { class: "hint" }, "Places offertes par des particuliers, pas un service de transport."),
    el("label", { for: id("contact") }, "Vos coordonnées (transmises après acceptation)"),
    contact,
    findButton,
    results,
    offerForm,
    message,
  );
}
