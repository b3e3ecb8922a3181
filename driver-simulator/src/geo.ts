import type { LatLng } from '@fleetstream/contracts';

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;
const M_PER_DEG_LAT = (EARTH_RADIUS_M * Math.PI) / 180;

/** Great-circle distance in metres. */
export function distanceM(a: LatLng, b: LatLng): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Compass heading of the vector (dx east, dy north), degrees in [0, 360). */
export function headingOf(dx: number, dy: number): number {
  const h = (deg(Math.atan2(dx, dy)) + 360) % 360;
  return h >= 360 ? 0 : h;
}

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
  const mPerDegLng = M_PER_DEG_LAT * Math.cos(rad(center.lat));
  const lat = (y: number) => center.lat + y / M_PER_DEG_LAT;
  const lng = (x: number) => center.lng + x / mPerDegLng;
  return {
    center,
    mPerDegLat: M_PER_DEG_LAT,
    mPerDegLng,
    lat,
    lng,
    toLatLng: (x, y) => ({ lat: round6(lat(y)), lng: round6(lng(x)) }),
    x: (l) => (l - center.lng) * mPerDegLng,
    y: (l) => (l - center.lat) * M_PER_DEG_LAT,
  };
}

/** Six decimals is about 0.1 m: finer than GPS, shorter on the wire. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

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
