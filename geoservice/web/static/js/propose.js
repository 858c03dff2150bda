// Proposer une offre: POST /api/v1/offers. The API validates every field; its 400 problem
// lists them in `invalid_params` ({name, reason}), shown next to the matching field.

import { api, ApiError } from "./api.js";
import { el } from "./format.js";
import { communeAt } from "./geo.js";

/** API field name (first path segment, or the timing bound) → id of the form field box. */
function fieldBoxId(name) {
  const parts = String(name).split(".");
  if (parts[0] === "timings") return parts[2] === "end" ? "field-end" : "field-begin";
  if (["lon", "lat", "location", "commune_code"].includes(parts[0])) return "field-location";
  if (parts[0] === "price_eur" || parts[0] === "free") return "field-price";
  return `field-${parts[0]}`;
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
        general.append(el("li", {}, `${p.name} : ${p.reason}`));
        general.hidden = false;
        continue;
      }
      const id = `${box.id}-error`;
      let message = document.getElementById(id);
      if (!message) {
        message = el("p", { class: "field-error", id });
        box.append(message);
      }
      message.textContent = message.textContent ? `${message.textContent} ; ${p.reason}` : p.reason;
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
      const value = text("commune");
      const code = /\((\d[\dAB]\d{3})\)\s*$/.exec(value);
      body.commune_code = code ? code[1] : value;
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
        ctx.showError("Votre proposition contient des erreurs", e);
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
