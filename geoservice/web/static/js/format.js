// French labels and number formats shared by the views.

export const MODE_LABELS = {
  drive: "voiture",
  bike: "vélo",
  walk: "à pied",
  transit: "transports en commun",
};

/** How one travels, ready to follow a verb: "à pied", "à vélo", "en voiture". */
export const MODE_PHRASES = {
  drive: "en voiture",
  bike: "à vélo",
  walk: "à pied",
  transit: "en transports en commun",
};

/** "1 offre", "3 offres", "0 offre" (French: singular below 2). Irregular plural in `many`. */
export function plural(count, one, many = `${one}s`) {
  const n = Number(count);
  return `${integer.format(n)} ${Math.abs(n) < 2 ? one : many}`;
}

export const CATEGORY_LABELS = {
  museum: "Musée",
  cinema: "Cinéma",
  library: "Bibliothèque",
  festival: "Festival",
  event: "Événement",
  venue: "Lieu",
  work: "Œuvre",
  skill: "Savoir-faire",
  resource: "Ressource",
};

const integer = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });

export function formatInteger(value) {
  return value === null || value === undefined ? "—" : integer.format(value);
}

/** "12 min", "1 h 05" from seconds. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return "< 1 min";
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = String(minutes % 60).padStart(2, "0");
  return `${h} h ${m}`;
}

/** "850 m", "12,3 km" from metres. */
export function formatDistance(metres) {
  if (metres === null || metres === undefined || !Number.isFinite(metres)) return "—";
  if (metres < 1000) return `${integer.format(Math.round(metres / 10) * 10)} m`;
  return `${oneDecimal.format(metres / 1000)} km`;
}

export function formatMinutes(minutes) {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes)) return "—";
  return `${oneDecimal.format(minutes)} min`;
}

export function formatDate(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d
    .toLocaleDateString("fr-FR", { day: "numeric", month: "long", year: "numeric" })
    .replace(/^1 /, "1er ");
}

export function formatDateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString("fr-FR", { dateStyle: "medium", timeStyle: "short" });
}

/** Create an element with attributes and children (text nodes for strings: never HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A tooltip or popup content made of one text node: Leaflet inserts a string given to
 * bindTooltip/bindPopup as HTML, so data (titles, names) must never be passed as a string.
 */
export function textContent(text) {
  const node = document.createElement("span");
  node.textContent = String(text);
  return node;
}

/** A safe http(s) link, or plain text for any other scheme. */
export function safeLink(url, text) {
  try {
    const parsed = new URL(url, window.location.href);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      return el("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank" }, text || url);
    }
  } catch {
    /* not a URL: shown as text */
  }
  return document.createTextNode(text || String(url));
}
