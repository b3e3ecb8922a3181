import { M_PER_DEG_LAT, headingOf, mPerDegLng, type LatLng } from './earth.js';

/**
 * Route geometry shared by the server (progress and ETA) and the tracking page (motion along
 * the route), so both measure a route the same way. Distances use a local equirectangular
 * approximation: within a city it is off by far less than GPS noise.
 */
export interface Polyline {
  readonly points: readonly LatLng[];
  /** Metres from the start to each point; the last is the length. */
  readonly cum: readonly number[];
}

/** Straight-line metres between two nearby points. */
export function flatDistanceM(a: LatLng, b: LatLng): number {
  const dx = (b.lng - a.lng) * mPerDegLng((a.lat + b.lat) / 2);
  const dy = (b.lat - a.lat) * M_PER_DEG_LAT;
  return Math.hypot(dx, dy);
}

export function toPolyline(points: readonly LatLng[]): Polyline {
  const cum = [0];
  for (let i = 1; i < points.length; i++)
    cum.push(cum[i - 1]! + flatDistanceM(points[i - 1]!, points[i]!));
  return { points, cum };
}

export const polylineLength = (p: Polyline) => p.cum[p.cum.length - 1] ?? 0;

/** The point `s` metres along the line (clamped to its ends), and the heading there. */
export function pointAt(p: Polyline, s: number): LatLng & { headingDeg: number } {
  const n = p.points.length;
  if (n === 0) return { lat: 0, lng: 0, headingDeg: 0 };
  if (n === 1 || s <= 0)
    return { ...p.points[0]!, headingDeg: n > 1 ? bearing(p.points[0]!, p.points[1]!) : 0 };
  const total = polylineLength(p);
  if (s >= total)
    return { ...p.points[n - 1]!, headingDeg: bearing(p.points[n - 2]!, p.points[n - 1]!) };
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (p.cum[mid]! <= s) lo = mid;
    else hi = mid;
  }
  const a = p.points[lo]!;
  const b = p.points[hi]!;
  const seg = p.cum[hi]! - p.cum[lo]!;
  const f = seg > 0 ? (s - p.cum[lo]!) / seg : 0;
  return {
    lat: a.lat + (b.lat - a.lat) * f,
    lng: a.lng + (b.lng - a.lng) * f,
    headingDeg: bearing(a, b),
  };
}

/**
 * Where `q` falls on the line: metres along it (`s`) and how far off it is (`offM`). With a
 * `fromS` hint, only the part from there on is searched (a vehicle does not drive backwards
 * along its route), and with `untilS` only the segments that start before it.
 */
export function project(
  p: Polyline,
  q: LatLng,
  fromS = 0,
  untilS = Infinity,
): { s: number; offM: number } {
  if (p.points.length === 1) return { s: 0, offM: flatDistanceM(p.points[0]!, q) };
  let bestS = 0;
  let bestOff = Infinity;
  const kx = mPerDegLng(q.lat);
  // The first segment that ends at or past fromS: cum rises along the line.
  let lo = 1;
  let hi = p.points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (p.cum[mid]! < fromS) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < p.points.length; i++) {
    if (p.cum[i - 1]! > untilS) break;
    const a = p.points[i - 1]!;
    const b = p.points[i]!;
    const ax = (a.lng - q.lng) * kx;
    const ay = (a.lat - q.lat) * M_PER_DEG_LAT;
    const bx = (b.lng - q.lng) * kx;
    const by = (b.lat - q.lat) * M_PER_DEG_LAT;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2)) : 0;
    const off = Math.hypot(ax + t * dx, ay + t * dy);
    if (off < bestOff) {
      bestOff = off;
      bestS = p.cum[i - 1]! + t * Math.sqrt(len2);
    }
  }
  return { s: bestS, offM: bestOff };
}

/** How far back along the route a new fix is looked for: GPS noise, not a U-turn. */
const BACKTRACK_M = 50;
/** How far ahead a new fix is looked for first (20 s and more at city speeds)… */
const LOOKAHEAD_M = 300;
/** …and how close to the route it must be found there: GPS noise. */
const ON_ROUTE_M = 50;

/**
 * Progress along a route for a new fix: metres along it (never less than `prevS`: a courier
 * does not un-drive a road, and a noisy fix must not add distance back), how far off it the fix
 * is, and the metres left to its end. The one distance-left rule of the page and the
 * notifications.
 */
export function progressAlong(
  p: Polyline,
  q: LatLng,
  prevS = 0,
): { s: number; offM: number; remainingM: number } {
  // Near where it was, first: a fix on the route within the next stretch is where the vehicle
  // is, which spares a long route a search to its end at every fix (and a route that passes
  // the same street twice a jump to its second pass). Otherwise the whole rest is searched.
  const fromS = Math.max(0, prevS - BACKTRACK_M);
  let at = project(p, q, fromS, fromS + LOOKAHEAD_M);
  if (at.offM > ON_ROUTE_M) at = project(p, q, fromS);
  const s = Math.max(prevS, at.s);
  return { s, offM: at.offM, remainingM: Math.max(0, polylineLength(p) - s) };
}

/** Compass heading from a to b, on the flat approximation. */
function bearing(a: LatLng, b: LatLng): number {
  return headingOf(
    (b.lng - a.lng) * mPerDegLng((a.lat + b.lat) / 2),
    (b.lat - a.lat) * M_PER_DEG_LAT,
  );
}
