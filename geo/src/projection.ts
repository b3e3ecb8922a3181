import { M_PER_DEG_LAT, mPerDegLng, round6, type LatLng } from './earth.js';

/**
 * A local flat projection (metres east/north of the centre). Over a city, its error is far below
 * GPS noise, and it turns every per-fix conversion into two multiply-adds.
 */
export interface Projection {
  readonly center: LatLng;
  readonly mPerDegLat: number;
  readonly mPerDegLng: number;
  toLatLng(x: number, y: number): LatLng;
  lat(y: number): number;
  lng(x: number): number;
  x(lng: number): number;
  y(lat: number): number;
}

export function createProjection(center: LatLng): Projection {
  const perDegLng = mPerDegLng(center.lat);
  const lat = (y: number) => center.lat + y / M_PER_DEG_LAT;
  const lng = (x: number) => center.lng + x / perDegLng;
  return {
    center,
    mPerDegLat: M_PER_DEG_LAT,
    mPerDegLng: perDegLng,
    lat,
    lng,
    toLatLng: (x, y) => ({ lat: round6(lat(y)), lng: round6(lng(x)) }),
    x: (l) => (l - center.lng) * perDegLng,
    y: (l) => (l - center.lat) * M_PER_DEG_LAT,
  };
}

/** The point `metres` from `from` on compass heading `headingDeg` (flat, for short hops). */
export function offsetBy(from: LatLng, metres: number, headingDeg: number): LatLng {
  const h = (headingDeg * Math.PI) / 180;
  return {
    lat: from.lat + (metres * Math.cos(h)) / M_PER_DEG_LAT,
    lng: from.lng + (metres * Math.sin(h)) / mPerDegLng(from.lat),
  };
}

/** Distance from point p to segment ab, all in the same planar metres. */
export function pointSegmentDistance(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}
