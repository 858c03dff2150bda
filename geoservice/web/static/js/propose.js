// Proposer une offre: POST /api/v1/offers. The API validates every field; its 400 problem
// lists them in `invalid_params` ({name, reason}), shown next to the matching field
// (offer_form.js, shared with the edit form of "Mes offres").

import { api, ApiError } from "./api.js";
import { el } from "./format.js";
import { correctionsSentence, offerFormController } from "./offer_form.js";

export function createProposeView(ctx) {
  const { L, map } = ctx;
  const form = document.getElementById("propose-form");
  const themesBox = document.getElementById("propose-themes");
  const communeInput = document.getElementById("propose-commune");
  const pointText = document.getElementById("propose-point");
  const result = document.getElementById("propose-result");
  const layer = L.layerGroup();

  ctx.config.themes.forEach((theme) => {
    const id = `propose-theme-${theme.id}`;
    themesBox.append(
      el(
        "div",
        { class: "check" },
        el("input", { type: "checkbox", id, name: "themes", value: theme.id }),
        el("label", { for: id }, theme.label),
      ),
    );
  });
  const offerForm = offerFormController(form, { ctx, pointText });

  function setPoint(lon, lat) {
    offerForm.setPoint(lon, lat);
    layer.clearLayers();
    L.circleMarker([lat, lon], {
      pane: "overlay",
      radius: 8,
      color: "#000000",
      weight: 2,
      fillColor: "#ffb000",
      fillOpacity: 1,
    }).addTo(layer);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    offerForm.clearFieldErrors();
    result.textContent = "";
    ctx.clearError();
    if (!ctx.has("POST", "/api/v1/offers")) {
      ctx.showError(
        "Proposition impossible",
        new Error("ce service n'accepte pas encore de propositions d'offres (POST /api/v1/offers)"),
      );
      return;
    }
    try {
      const created = await api.proposeOffer(offerForm.bodyFromForm());
      const props = (created && (created.properties || created)) || {};
      const status = props.status;
      result.textContent =
        status === "published"
          ? "Merci ! Votre offre est publiée."
          : "Merci ! Votre proposition est enregistrée ; elle sera publiée après relecture par un modérateur.";
      form.reset();
      offerForm.clearPoint();
      layer.clearLayers();
      result.focus();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.invalidParams.length) {
        offerForm.showFieldErrors(e.invalidParams);
        ctx.showError(
          "Votre proposition contient des erreurs",
          new Error(correctionsSentence(e.invalidParams.length)),
        );
      } else if (e instanceof ApiError && e.status === 405) {
        ctx.showError(
          "Proposition impossible",
          new Error("ce service n'accepte pas encore de propositions d'offres"),
        );
      } else {
        ctx.showError("La proposition n'a pas pu être envoyée", e);
      }
    }
  });

  communeInput.addEventListener("input", () => {
    if (communeInput.value) layer.clearLayers();
  });

  return {
    show() {
      layer.addTo(map);
    },
    hide() {
      layer.remove();
    },
    onMapClick(latlng) {
      communeInput.value = "";
      setPoint(latlng.lng, latlng.lat);
    },
  };
}
