// Small geometry helpers on GeoJSON coordinates (lon, lat; EPSG:4326).

function polygonsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

function inRing(point, ring) {
  const [x, y] = point;
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Is [lon, lat] inside a Polygon / MultiPolygon (holes excluded)? */
export function pointInGeometry(point, geometry) {
  return polygonsOf(geometry).some(
    (rings) => inRing(point, rings[0]) && !rings.slice(1).some((hole) => inRing(point, hole)),
  );
}

/**
 * Where journeys from a commune start, [lon, lat]: the `origin` served by /api/v1/communes
 * (its town hall, or a point inside the commune where the town-hall point lies outside it).
 * Every answer that takes the commune as origin starts from the same point.
 */
export function communeOrigin(feature) {
  const origin = feature.properties.origin;
  return [origin.lon, origin.lat];
}

/** The commune feature containing [lon, lat], or null. */
export function communeAt(point, features) {
  return features.find((f) => pointInGeometry(point, f.geometry)) || null;
}

const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();

/** The commune named by `text`: "Nevers (58194)", "nevers", an INSEE code or a name prefix. */
export function findCommune(text, features) {
  const code = /\((\d[\dAB]\d{3})\)\s*$/.exec(text);
  if (code) {
    const byCode = features.find((f) => f.properties.code === code[1]);
    if (byCode) return byCode;
  }
  const t = fold(text);
  if (!t) return null;
  return (
    features.find((f) => fold(f.properties.name) === t || f.properties.code === t) ||
    features.find((f) => fold(f.properties.name).startsWith(t)) ||
    null
  );
}
