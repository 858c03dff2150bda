// The offer form of "Proposer une offre", shared with the edit form of "Mes offres": reading
// the fields into an API body, filling them from an offer, and showing the API's 400 problem
// (`invalid_params`: {name, reason, code}) next to the matching field, in French. The edit
// form is a copy of the propose form's markup (same labels), its ids prefixed.

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

/** "1 point à corriger, …" / "3 points à corriger, …". */
export function correctionsSentence(count) {
  return count === 1
    ? "1 point à corriger, indiqué sous le champ concerné"
    : `${count} points à corriger, indiqués sous les champs concernés`;
}

/** A copy of the propose form for editing: every id inside it (and `for`,
 * `aria-describedby`) prefixed with `prefix`, values and messages cleared. */
export function cloneOfferForm(source, prefix) {
  const form = source.cloneNode(true);
  const ids = new Set([form.id, ...[...form.querySelectorAll("[id]")].map((n) => n.id)]);
  const renamed = (value) =>
    value
      .split(/\s+/)
      .map((id) => (ids.has(id) ? `${prefix}${id}` : id))
      .join(" ");
  for (const node of [form, ...form.querySelectorAll("*")]) {
    for (const attr of ["id", "for", "aria-describedby"]) {
      if (node.hasAttribute(attr)) node.setAttribute(attr, renamed(node.getAttribute(attr)));
    }
  }
  form.reset();
  for (const node of form.querySelectorAll("p.field-error")) node.remove();
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  return form;
}

const PARIS_PARTS = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Paris",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** An ISO instant as the value of a datetime-local field, in Europe/Paris time. */
function localInputValue(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = Object.fromEntries(PARIS_PARTS.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/**
 * The behaviour of one offer form. `prefix` is the prefix of its ids ("" for the propose
 * form); `pointText` the element saying which point is chosen.
 */
export function offerFormController(form, { ctx, prefix = "", pointText = null }) {
  const general = form.querySelector("ul.field-error");
  let point = null;
  const box = (name) => document.getElementById(`${prefix}${fieldBoxId(name)}`);
  const control = (name) => form.querySelector(`[name="${name}"]`);

  function clearFieldErrors() {
    for (const node of form.querySelectorAll("p.field-error")) node.remove();
    for (const node of form.querySelectorAll("[aria-invalid]")) {
      node.removeAttribute("aria-invalid");
      const described = (node.getAttribute("aria-describedby") || "")
        .split(/\s+/)
        .filter((id) => id && !id.endsWith("-error"));
      if (described.length) node.setAttribute("aria-describedby", described.join(" "));
      else node.removeAttribute("aria-describedby");
    }
    general.replaceChildren();
    general.hidden = true;
  }

  function showFieldErrors(params) {
    let first = null;
    for (const p of params) {
      const target = box(p.name);
      const reason = reasonInFrench(p.reason, p.code);
      if (!target) {
        general.append(el("li", {}, `${p.name} : ${reason}`));
        general.hidden = false;
        continue;
      }
      const id = `${target.id}-error`;
      let message = document.getElementById(id);
      if (!message) {
        message = el("p", { class: "field-error", id });
        target.append(message);
      }
      message.textContent = message.textContent ? `${message.textContent} ${reason}` : reason;
      const input = target.querySelector("input, select, textarea");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        const described = (input.getAttribute("aria-describedby") || "").split(/\s+/);
        if (!described.includes(id)) input.setAttribute("aria-describedby", [...described, id].join(" ").trim());
        first = first || input;
      }
    }
    if (first) first.focus();
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

  /** Fill the fields from an offer's properties (and its [lon, lat]). */
  function fill(offer, lonLat) {
    control("kind").value = offer.kind;
    control("title").value = offer.title || "";
    control("description").value = offer.description || "";
    control("organiser").value = offer.organiser || "";
    control("url").value = offer.url || "";
    for (const box of form.querySelectorAll('[name="themes"]')) {
      box.checked = (offer.themes || []).includes(box.value);
    }
    const commune = ctx.communeByCode.get(offer.commune_code);
    if (offer.located_by === "point" && lonLat) {
      control("commune").value = "";
      setPoint(lonLat[0], lonLat[1], "Lieu actuel");
    } else {
      control("commune").value = commune ? commune.properties.name : offer.commune_code || "";
    }
    const first = (offer.timings || [])[0];
    control("begin").value = first ? localInputValue(first.begin) : "";
    control("end").value = first ? localInputValue(first.end) : "";
    control("price_eur").value = Number.isFinite(offer.price_eur)
      ? String(offer.price_eur).replace(".", ",")
      : "";
    control("free").checked = offer.free === true;
  }

  function setPoint(lon, lat, label = "Point choisi") {
    point = { lon: Number(lon.toFixed(6)), lat: Number(lat.toFixed(6)) };
    if (pointText) {
      const commune = communeAt([lon, lat], ctx.communes);
      pointText.textContent = `${label} : ${lat.toFixed(5)}, ${lon.toFixed(5)}${commune ? ` (${commune.properties.name})` : ""}.`;
    }
  }

  function clearPoint() {
    point = null;
    if (pointText) pointText.textContent = "";
  }

  control("commune").addEventListener("input", () => {
    if (control("commune").value) clearPoint();
  });

  return { bodyFromForm, fill, setPoint, clearPoint, clearFieldErrors, showFieldErrors };
}
