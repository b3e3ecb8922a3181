import type { TrailPoint } from '@fleetstream/contracts';

/**
 * A trail point as an element of its delivery's trail (a list, oldest first): `lat,lng,ts,seq`,
 * each number as JSON writes it (validated finite at the edge). At about 40 bytes, a trail of at
 * most 128 points (domain/live-delivery.ts trims them) is one compact list node; the JSON
 * object written before 2026-12-07 (`{"lat":…,"lng":…,"ts":…,"seq":…}`) took 76 bytes with
 * full-precision coordinates. Trails were sorted sets scored by revision until 2026-12-07 (tenth
 * session): each ZADD scanned the whole trail, about 9 µs of Redis a fix against 1 µs for RPUSH.
 */
export const encodeTrailPoint = (p: TrailPoint) => `${p.lat},${p.lng},${p.ts},${p.seq}`;

/** A trail member read back: either form (trails written before keep their JSON members). */
export function decodeTrailPoint(member: string): TrailPoint {
  if (member.startsWith('{')) return JSON.parse(member) as TrailPoint;
  const [lat, lng, ts, seq] = member.split(',');
  return { lat: Number(lat), lng: Number(lng), ts: Number(ts), seq: Number(seq) };
}
