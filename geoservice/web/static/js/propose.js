// Proposer une offre: POST /api/v1/offers. The API validates every field; its 400 problem
// lists them in `invalid_params` ({name, reason}), shown next to the matching field.

import { api, ApiError } from "./api.js";
import { PARAM_SENTENCES } from "./problems_fr.js";
import { el } from "./format.js";
import { communeAt, findCommune } from "./geo.js";

/** API field name (first path segment, or the timing bound) → id of the form field box. */
function fieldBoxId(name) {
  const parts = String(name).split(".");
  if (parts[0] === "timings") return parts[2] === "end" ? "field-end" : "field-begin";
  if (["lon", "lat", "location", "commune_code"].includes(parts[0])) return "field-location";
  if (parts[0] === "price_eur" || parts[0] === "free") return "field-price";
  return `field-${parts[0]}`;
}

/** French for the validation messages the API (marshmallow) gives in English. */
const REASONS_FR = [
  [/^Missing data for required field\.?$/, () => "Champ obligatoire."],
  [/^Length must be between (\d+) and (\d+)\.?$/, (m) => `Entre ${m[1]} et ${m[2]} caractères.`],
  [/^Longer than maximum length (\d+)\.?$/, (m) => `${m[1]} caractères au plus.`],
  [/^Not a valid URL\.?$/, () => "Adresse web invalide (http:// ou https://)."],
  [/^Not a valid datetime\.?$/, () => "Date et heure invalides."],
  [/^Not a valid number\.?$/, () => "Nombre invalide."],
  [/^must not be blank$/, () => "Ne peut pas être vide."],
  [/^end must not be before begin$/, () => "La fin ne peut pas précéder le début."],
  [/^give lon and lat, or commune_code$/, () => "Indiquez une commune ou cliquez sur la carte."],
  [/^String does not match expected pattern\.?$/, () => "Format invalide."],
  [/^a free offer has no price$/, () => "Une offre gratuite n'a pas de prix."],
  [/^Must be greater than or equal to (\S+)\.?$/, (m) => `Doit être au moins ${m[1]}.`],
];

function reasonInFrench(reason, code) {
  for (const [pattern, text] of REASONS_FR) {
    const m = pattern.exec(String(reason).trim());
    if (m) return text(m);
  }
  // Never the English message: the sentence of its code.
  const sentence = PARAM_SENTENCES[code] || PARAM_SENTENCES.invalid;
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}

export function createProposeView(ctx) {
  const { L, map } = ctx;
  const form = document.getElementById("propose-form");
  const themesBox = document.getElementById("propose-themes");
  const communeInput = document.getElementById("propose-commune");
  const pointText = document.getElementById("propose-point");
  const result = document.getElementById("propose-result");
  const general = document.getElementById("propose-errors");
  const layer = L.layerGroup();
  let point = null;

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

  function clearFieldErrors() {
    for (const node of form.querySelectorAll(".field-error")) node.remove();
    for (const node of form.querySelectorAll("[aria-invalid]")) {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("aria-describedby");
    }
    general.replaceChildren();
    general.hidden = true;
  }

  function showFieldErrors(params) {
    let first = null;
    for (const p of params) {
      const box = document.getElementById(fieldBoxId(p.name));
      if (!box) {
        general.append(el("li", {}, `${p.name} : ${reasonInFrench(p.reason, p.code)}`));
        general.hidden = false;
        continue;
      }
      const id = `${box.id}-error`;
      let message = document.getElementById(id);
      if (!message) {
        message = el("p", { class: "field-error", id });
        box.append(message);
      }
      const reason = reasonInFrench(p.reason, p.code);
      message.textContent = message.textContent ? `${message.textContent} ${reason}` : reason;
      const control = box.querySelector("input, select, textarea");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        control.setAttribute("aria-describedby", id);
        first = first || control;
      }
    }
    if (first) first.focus();
  }

  function setPoint(lon, lat) {
    point = { lon: Number(lon.toFixed(6)), lat: Number(lat.toFixed(6)) };
    layer.clearLayers();
    L.circleMarker([lat, lon], {
      pane: "overlay",
      radius: 8,
      color: "#000000",
      weight: 2,
      fillColor: "#ffb000",
      fillOpacity: 1,
    }).addTo(layer);
    const commune = communeAt([lon, lat], ctx.communes);
    pointText.textContent = `Point choisi : ${lat.toFixed(5)}, ${lon.toFixed(5)}${commune ? ` (${commune.properties.name})` : ""}.`;
  }

  function bodyFromForm() {
    const data = new FormData(form);
    const body = { kind: data.get("kind"), title: data.get("title") };
    const text = (key) => {
      const v = String(data.get(key) || "").trim();
      return v || undefined;
    };
    body.description = text("description");
    body.organiser = text("organiser");
    body.url = text("url");
    const themes = data.getAll("themes");
    if (themes.length) body.themes = themes;
    if (point) Object.assign(body, point);
    else if (text("commune")) {
      // A name from the list becomes its INSEE code; anything else goes as typed and the
      // API says what is wrong with it.
      const commune = findCommune(text("commune"), ctx.communes);
      body.commune_code = commune ? commune.properties.code : text("commune");
    }
    const begin = text("begin");
    const end = text("end");
    if (begin || end) body.timings = [{ begin: begin || "", end: end || begin || "" }];
    if (data.get("free")) body.free = true;
    const price = text("price_eur");
    if (price !== undefined) body.price_eur = Number(price.replace(",", "."));
    return body;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors();
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
      const created = await api.proposeOffer(bodyFromForm());
      const props = (created && (created.properties || created)) || {};
      const status = props.status;
      result.textContent =
        status === "published"
          ? "Merci ! Votre offre est publiée."
          : "Merci ! Votre proposition est enregistrée ; elle sera publiée après relecture par un modérateur.";
      form.reset();
      point = null;
      layer.clearLayers();
      pointText.textContent = "";
      result.focus();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.invalidParams.length) {
        showFieldErrors(e.invalidParams);
        const n = e.invalidParams.length;
        ctx.showError(
          "Votre proposition contient des erreurs",
          new Error(
            n === 1
              ? "1 point à corriger, indiqué sous le champ concerné"
              : `${n} points à corriger, indiqués sous les champs concernés`,
          ),
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
    if (communeInput.value) {
      point = null;
      layer.clearLayers();
      pointText.textContent = "";
    }
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
