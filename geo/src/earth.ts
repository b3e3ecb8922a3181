/** A point in degrees; the same shape as the contracts' LatLng. */
export interface LatLng {
  lat: number;
  lng: number;
}

/** Mean Earth radius (IUGG), the one every distance in fleetstream uses. */
export const EARTH_RADIUS_M = 6_371_008.8;
/** Metres in a degree of latitude on that sphere (about 111,195). */
export const M_PER_DEG_LAT = (EARTH_RADIUS_M * Math.PI) / 180;

const rad = (d: number) => (d * Math.PI) / 180;

/** Metres in a degree of longitude at this latitude. */
export const mPerDegLng = (lat: number) => M_PER_DEG_LAT * Math.cos(rad(lat));

/** Great-circle (haversine) distance in metres. */
export function haversineMeters(a: LatLng, b: LatLng): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Compass heading of the vector (dx east, dy north), degrees in [0, 360). */
export function headingOf(dx: number, dy: number): number {
  const h = ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
  return h >= 360 ? 0 : h;
}

/** Six decimals is about 0.1 m: finer than GPS, shorter on the wire. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
