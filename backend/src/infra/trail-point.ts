import type { TrailPoint } from '@fleetstream/contracts';

/**
 * A trail point as a member of its delivery's trail (a sorted set scored by revision):
 * `lat,lng,ts,seq`, each number as JSON writes it (validated finite at the edge). At about 40
 * bytes it stays within Redis's `zset-max-listpack-value` (64 bytes), so with at most 128 points
 * (domain/live-delivery.ts trims them) a trail is kept as one compact listpack instead of a
 * skiplist and a hash table, an allocation per point; the JSON object written before 2026-12-07
 * (`{"lat":…,"lng":…,"ts":…,"seq":…}`) passed 64 bytes with full-precision coordinates.
 */
export const encodeTrailPoint = (p: TrailPoint) => `${p.lat},${p.lng},${p.ts},${p.seq}`;

/** A trail member read back: either form (trails written before keep their JSON members). */
export function decodeTrailPoint(member: string): TrailPoint {
  if (member.startsWith('{')) return JSON.parse(member) as TrailPoint;
  const [lat, lng, ts, seq] = member.split(',');
  return { lat: Number(lat), lng: Number(lng), ts: Number(ts), seq: Number(seq) };
}
