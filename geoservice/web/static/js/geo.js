// Small geometry helpers on GeoJSON coordinates (lon, lat; EPSG:4326).

function ringArea(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return Math.abs(sum / 2);
}

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
 * A point inside the largest polygon of `geometry`: its centroid when inside, else the middle
 * of the widest inside stretch of the horizontal line through the centroid.
 */
export function pointOnSurface(geometry) {
  const polygons = polygonsOf(geometry);
  if (!polygons.length) return null;
  const rings = polygons.reduce((a, b) => (ringArea(b[0]) > ringArea(a[0]) ? b : a));
  const outer = rings[0];
  let cx = 0;
  let cy = 0;
  for (const [x, y] of outer) {
    cx += x;
    cy += y;
  }
  cx /= outer.length;
  cy /= outer.length;
  if (pointInGeometry([cx, cy], { type: "Polygon", coordinates: rings })) return [cx, cy];
  const xs = [];
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > cy !== yj > cy) xs.push(((xj - xi) * (cy - yi)) / (yj - yi) + xi);
    }
  }
  xs.sort((a, b) => a - b);
  let best = null;
  for (let k = 0; k + 1 < xs.length; k += 2) {
    if (!best || xs[k + 1] - xs[k] > best[1] - best[0]) best = [xs[k], xs[k + 1]];
  }
  return best ? [(best[0] + best[1]) / 2, cy] : outer[0];
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
