// "Modifier" in "Mes offres": the propose form's copy (offer_form.js), filled with the offer's
// current fields; only the fields changed are sent (PATCH /api/v1/offers/user:N), so that
// what the form cannot show (other dates, registration…) is kept as it is.

import { ApiError, request } from "./api.js";
import { el } from "./format.js";
import { cloneOfferForm, correctionsSentence, offerFormController } from "./offer_form.js";

/** What a field emptied in the form becomes in the PATCH body. */
const CLEARED = {
  description: "",
  organiser: null,
  url: null,
  themes: [],
  timings: [],
  price_eur: null,
  free: null,
};
const LOCATION = ["lon", "lat", "commune_code"];

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The PATCH body: the fields of `after` that differ from `before` (both form bodies). */
export function changedFields(before, after, offer) {
  const changes = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (LOCATION.includes(key) || same(before[key], after[key])) continue;
    changes[key] = after[key] !== undefined ? after[key] : key in CLEARED ? CLEARED[key] : null;
  }
  const where = (body) => LOCATION.map((key) => body[key]);
  // An emptied commune keeps the current place: only a new place is sent.
  if (!same(where(before), where(after)) && LOCATION.some((key) => after[key] !== undefined)) {
    for (const key of LOCATION) if (after[key] !== undefined) changes[key] = after[key];
  }
  // The form shows the first date only: the others are kept.
  if ("timings" in changes && (offer.timings || []).length > 1) {
    changes.timings = [...changes.timings, ...offer.timings.slice(1)];
  }
  return changes;
}

/**
 * Open the edit form of `feature` (one of "Mes offres") at the end of `container`.
 * `onSaved(properties)` is called with the offer as saved; `onClose()` when it is closed.
 */
export function openOfferEditor({ ctx, feature, container, role, onSaved, onClose }) {
  const p = feature.properties;
  const number = String(p.offer_id).replace(/^user:/, "");
  const prefix = `edit-${number}-`;
  const form = cloneOfferForm(document.getElementById("propose-form"), prefix);
  const headingId = `${prefix}title-heading`;
  form.setAttribute("aria-labelledby", headingId);
  form.classList.add("offer-edit-form");
  form.querySelector('button[type="submit"]').textContent = "Enregistrer les modifications";
  const close = el("button", { type: "button" }, "Fermer sans enregistrer");
  form.querySelector(".actions").append(close);
  const result = form.querySelector(".success");
  const pointText = form.querySelector(`#${CSS.escape(`${prefix}propose-point`)}`);
  const republish =
    p.status === "published" && role !== "organisation" && role !== "moderator"
      ? el(
          "p",
          { class: "hint" },
          "Cette offre est publiée : une fois modifiée, elle sera retirée du public jusqu'à ce qu'un modérateur approuve la nouvelle version.",
        )
      : null;
  const box = el(
    "div",
    { class: "offer-edit" },
    el("h4", { id: headingId }, `Modifier « ${p.title} »`),
    republish,
    form,
  );
  container.append(box);
  const offerForm = offerFormController(form, { ctx, prefix, pointText });
  offerForm.fill(p, feature.geometry && feature.geometry.coordinates);
  const initial = offerForm.bodyFromForm();

  function closeEditor() {
    box.remove();
    onClose();
  }
  close.addEventListener("click", closeEditor);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    offerForm.clearFieldErrors();
    result.textContent = "";
    ctx.clearError();
    const changes = changedFields(initial, offerForm.bodyFromForm(), p);
    if (!Object.keys(changes).length) {
      result.textContent = "Aucune modification à enregistrer.";
      return;
    }
    try {
      const saved = await request(`/api/v1/offers/user:${number}`, { method: "PATCH", body: changes });
      box.remove();
      onSaved(saved.properties || saved);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.invalidParams.length) {
        offerForm.showFieldErrors(e.invalidParams);
        ctx.showError(
          "Votre modification contient des erreurs",
          new Error(correctionsSentence(e.invalidParams.length)),
        );
      } else {
        ctx.showError("La modification n'a pas été enregistrée", e);
      }
    }
  });
  form.querySelector('[name="title"]').focus();

  return {
    /** A click on the map while the form is open places the offer there. */
    setPoint(lon, lat) {
      form.querySelector('[name="commune"]').value = "";
      offerForm.setPoint(lon, lat);
    },
    close: closeEditor,
  };
}
