// The moderation queue's "what changed since the approved version": one row per field, the
// approved value and the new one, in words (dates in French, commune names, theme labels).
// From `changes_since_approval` of GET /api/v1/moderation/queue. Text only.

import { CATEGORY_LABELS, el } from "./format.js";
import { formatAccessibility, formatDay, formatPrice, formatTiming } from "./event_details.js";

const FIELD_LABELS = {
  kind: "Type",
  title: "Titre",
  description: "Description",
  themes: "Thèmes",
  timings: "Dates",
  commune_code: "Commune",
  located_by: "Placement",
  lon: "Longitude",
  lat: "Latitude",
  location_name: "Lieu",
  address: "Adresse",
  organiser: "Organisateur",
  free: "Gratuit",
  price_eur: "Prix",
  conditions: "Conditions",
  age_min: "Âge minimum",
  age_max: "Âge maximum",
  accessibility: "Accessibilité",
  registration: "Inscription",
  attendance_mode: "Participation",
  online_url: "Lien de participation en ligne",
  url: "Site web",
  image_url: "Image",
};
const ATTENDANCE = { on_site: "sur place", online: "en ligne", mixed: "sur place et en ligne" };
const PLACEMENT = { point: "point exact", commune: "commune seule (placée à sa mairie ou, à défaut, dans la commune)" };
const coordinate = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 5 });
const EMPTY = "non renseigné";

function isEmpty(value) {
  return (
    value === null ||
    value === undefined ||
    value === "" ||
    (Array.isArray(value) && value.length === 0)
  );
}

/** One field's value in words. */
function describe(field, value, ctx) {
  if (isEmpty(value)) return EMPTY;
  switch (field) {
    case "kind":
      return CATEGORY_LABELS[value] || value;
    case "themes": {
      const labels = new Map(ctx.config.themes.map((t) => [t.id, t.label]));
      return value.map((t) => labels.get(t) || t).join(", ");
    }
    case "timings":
      return value.map((t) => formatTiming(t.begin, t.end)).join(" ; ");
    case "commune_code": {
      const commune = ctx.communeByCode.get(value);
      return commune ? commune.properties.name : value;
    }
    case "located_by":
      return PLACEMENT[value] || value;
    case "lon":
    case "lat":
      return coordinate.format(value);
    case "free":
      return value ? "oui" : "non";
    case "price_eur":
      return formatPrice({ price_eur: value }) || EMPTY;
    case "accessibility":
      return formatAccessibility(value) || EMPTY;
    case "registration":
      return value.map((r) => r.value).join(", ");
    case "attendance_mode":
      return ATTENDANCE[value] || value;
    default:
      return String(value);
  }
}

/** The block of changes of a queued offer, or null when it was never approved. */
export function changesSinceApproval(offer, ctx) {
  const diff = offer.changes_since_approval;
  if (!diff) return null;
  const approved = diff.approved_at ? ` le ${formatDay(new Date(diff.approved_at))}` : "";
  const title = `Modifiée depuis sa version approuvée${approved}`;
  if (!diff.changes.length) {
    return el("p", { class: "changes-none" }, `${title} : rien n'a changé.`);
  }
  const rows = diff.changes.map((c) =>
    el(
      "tr",
      { "data-field": c.field },
      el("th", { scope: "row" }, FIELD_LABELS[c.field] || c.field),
      el("td", { class: "before" }, describe(c.field, c.before, ctx)),
      el("td", { class: "after" }, describe(c.field, c.after, ctx)),
    ),
  );
  return el(
    "table",
    { class: "changes" },
    el("caption", {}, title),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, "Champ"),
        el("th", { scope: "col" }, "Version approuvée"),
        el("th", { scope: "col" }, "Nouvelle version"),
      ),
    ),
    el("tbody", {}, rows),
  );
}
