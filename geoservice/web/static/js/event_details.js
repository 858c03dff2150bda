// What a visitor needs to know about an event: its dates and times in French, venue and
// address, price, organiser, contact and registration, description, accessibility, and an
// "ajouter à mon agenda" file. Text only; links only to http(s) and mailto.

import { el, safeLink } from "./format.js";

const PARIS = "Europe/Paris";
const dayFormat = new Intl.DateTimeFormat("fr-FR", {
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: PARIS,
});
const timeFormat = new Intl.DateTimeFormat("fr-FR", {
  hour: "numeric",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: PARIS,
});
const euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

/** "samedi 12 décembre 2026", "mardi 1er décembre 2026" (Europe/Paris). */
export function formatDay(date) {
  return dayFormat.format(date).replace(/^(\S+) 1 /, "$1 1er ");
}

/** "15 h", "15 h 30" (Europe/Paris). */
export function formatHour(date) {
  const [h, m] = timeFormat.format(date).split(/\D+/);
  return m === "00" ? `${Number(h)} h` : `${Number(h)} h ${m}`;
}

/** "samedi 12 décembre 2026, 15 h – 17 h"; over two days, both days are said. */
export function formatTiming(begin, end) {
  const b = new Date(begin);
  if (Number.isNaN(b.getTime())) return String(begin || "");
  const e = new Date(end);
  if (Number.isNaN(e.getTime())) return `${formatDay(b)}, ${formatHour(b)}`;
  if (formatDay(b) === formatDay(e)) return `${formatDay(b)}, ${formatHour(b)} – ${formatHour(e)}`;
  return `du ${formatDay(b)}, ${formatHour(b)}, au ${formatDay(e)}, ${formatHour(e)}`;
}

/** "Gratuit", "12,50 €", "Payant (tarif non précisé)", or null when nothing is known. */
export function formatPrice(offer) {
  if (offer.free === true) return "Gratuit";
  if (Number.isFinite(offer.price_eur)) return euros.format(offer.price_eur);
  if (offer.free === false) return "Payant (tarif non précisé)";
  return null;
}

const ACCESSIBILITY_LABELS = {
  wheelchair: "personnes en fauteuil roulant",
  hearing: "personnes sourdes ou malentendantes",
  visual: "personnes aveugles ou malvoyantes",
  intellectual: "handicap intellectuel",
  psychic: "handicap psychique",
};

/** "Accessible : personnes en fauteuil roulant, …" or null. */
export function formatAccessibility(accessibility) {
  if (!accessibility) return null;
  const yes = Object.entries(ACCESSIBILITY_LABELS)
    .filter(([key]) => accessibility[key] === true)
    .map(([, label]) => label);
  return yes.length ? `Accessible : ${yes.join(", ")}` : null;
}

function ages(offer) {
  const min = Number.isInteger(offer.age_min) ? offer.age_min : null;
  const max = Number.isInteger(offer.age_max) ? offer.age_max : null;
  if (min !== null && max !== null) return `De ${min} à ${max} ans`;
  if (min !== null) return `À partir de ${min} ans`;
  if (max !== null) return `Jusqu'à ${max} ans`;
  return null;
}

/** A mailto link for a plausible e-mail address, or the text itself. */
function mailLink(address) {
  if (/^[^\s@:/?#]+@[^\s@:/?#]+\.[^\s@:/?#]+$/.test(address)) {
    return el("a", { href: `mailto:${address}` }, address);
  }
  return document.createTextNode(address);
}

function registrationItem(entry) {
  if (entry.type === "email") return el("li", {}, "Courriel : ", mailLink(String(entry.value)));
  if (entry.type === "phone") return el("li", {}, `Téléphone : ${entry.value}`);
  return el("li", {}, "Site : ", safeLink(String(entry.value)));
}

/** The posted offer's number for its URLs ("user:12" → "12"), or null. */
export function postedNumber(offerId) {
  const match = /^user:(\d+)$/.exec(offerId || "");
  return match ? match[1] : null;
}

/**
 * The details block of a posted offer (the Feature's properties of GET /api/v1/offers/user:N):
 * a definition list and, for a published event with dates, the "ajouter à mon agenda" link.
 */
export function eventDetails(offer) {
  const dl = el("dl", { class: "event-details" });
  const add = (term, ...value) => {
    if (value.some((v) => v !== null && v !== undefined && v !== "")) {
      dl.append(el("dt", {}, term), el("dd", {}, ...value));
    }
  };
  const timings = Array.isArray(offer.timings) ? offer.timings : [];
  if (timings.length === 1) add("Date", formatTiming(timings[0].begin, timings[0].end));
  else if (timings.length > 1) {
    add(
      "Dates",
      el("ul", { class: "timings" }, timings.slice(0, 20).map((t) => el("li", {}, formatTiming(t.begin, t.end)))),
    );
  }
  add("Lieu", [offer.location_name, offer.address].filter(Boolean).join(", "));
  add("Tarif", formatPrice(offer));
  if (offer.conditions) add("Conditions", offer.conditions);
  add("Âge", ages(offer));
  add("Organisateur", offer.organiser);
  const registration = Array.isArray(offer.registration) ? offer.registration : [];
  if (registration.length) {
    add("Contact et inscription", el("ul", { class: "contacts" }, registration.map(registrationItem)));
  }
  if (offer.url) add("Site", safeLink(offer.url));
  if (offer.online_url) add("En ligne", safeLink(offer.online_url));
  add("Accessibilité", formatAccessibility(offer.accessibility));
  add("Description", offer.description);
  const box = el("div", { class: "event-block" }, dl);
  const number = postedNumber(offer.offer_id);
  if (number && offer.kind === "event" && offer.status === "published" && timings.length) {
    box.append(
      el(
        "p",
        {},
        el(
          "a",
          {
            class: "button add-to-calendar",
            href: `/api/v1/offers/user:${number}/event.ics`,
            download: `evenement-${number}.ics`,
          },
          "Ajouter à mon agenda",
        ),
      ),
    );
  }
  return box;
}
