import type { LatLng } from '@fleetstream/contracts';
import {
  flatDistanceM,
  offsetBy,
  pointAt,
  polylineLength,
  project,
  type Polyline,
} from '@fleetstream/geo';

/**
 * How the courier's marker moves between fixes, pure: glide from where it is shown to the new
 * fix in about one fix interval, along the route when both ends lie on it (so it follows the
 * streets, not a line across a block), then keep going at the last speed for a few seconds if
 * the next fix is late (dead reckoning), and never beyond the route's end.
 */
export interface Fix extends LatLng {
  speedMps?: number;
  headingDeg?: number;
}

export interface Segment {
  startAt: number;
  durationMs: number;
  from: LatLng;
  to: Fix;
  /** Metres along the route of both ends, when the glide follows the route. */
  along: { line: Polyline; s0: number; s1: number } | null;
}

export interface MotionOptions {
  /** Expected time between fixes. @default 1000 */
  intervalMs?: number;
  /** Dead reckoning stops after this long past the fix. @default 5 */
  deadReckonS?: number;
  /** Further than this from the shown position, a fix is not glided to but jumped to. @default 150 */
  jumpM?: number;
  /** How far off the route a point may be and still count as on it. @default 40 */
  onRouteM?: number;
}

/** True when a new fix is too far to glide to: the jump is a documented correction. */
export const isCorrection = (shown: LatLng, fix: LatLng, o: MotionOptions = {}) =>
  flatDistanceM(shown, fix) > (o.jumpM ?? 150);

export function planSegment(
  shown: LatLng | null,
  fix: Fix,
  line: Polyline | null,
  now: number,
  o: MotionOptions = {},
): Segment {
  const durationMs = o.intervalMs ?? 1000;
  if (!shown || isCorrection(shown, fix, o))
    return { startAt: now, durationMs: 0, from: fix, to: fix, along: null };
  let along: Segment['along'] = null;
  if (line && line.points.length > 1) {
    const a = project(line, shown);
    const b = project(line, fix, Math.max(0, a.s - 30));
    const onRoute = o.onRouteM ?? 40;
    // Follow the route only forwards and only when both ends are on it.
    if (a.offM <= onRoute && b.offM <= onRoute && b.s >= a.s - 5)
      along = { line, s0: a.s, s1: b.s };
  }
  return { startAt: now, durationMs, from: shown, to: fix, along };
}

export interface Shown extends LatLng {
  /** 'moving' while gliding to a fix, 'estimated' while dead reckoning, 'still' after. */
  mode: 'moving' | 'estimated' | 'still';
}

export function positionAt(seg: Segment, now: number, o: MotionOptions = {}): Shown {
  const t = seg.durationMs > 0 ? (now - seg.startAt) / seg.durationMs : 1;
  if (t < 1) {
    const f = Math.max(0, t);
    if (seg.along) {
      const p = pointAt(seg.along.line, seg.along.s0 + (seg.along.s1 - seg.along.s0) * f);
      return { lat: p.lat, lng: p.lng, mode: 'moving' };
    }
    return {
      lat: seg.from.lat + (seg.to.lat - seg.from.lat) * f,
      lng: seg.from.lng + (seg.to.lng - seg.from.lng) * f,
      mode: 'moving',
    };
  }
  return deadReckon(seg, (now - seg.startAt - seg.durationMs) / 1000, o);
}

/** Where the courier probably is `lateS` seconds after reaching the last fix. */
export function deadReckon(seg: Segment, lateS: number, o: MotionOptions = {}): Shown {
  const speed = seg.to.speedMps ?? 0;
  const limitS = o.deadReckonS ?? 5;
  if (speed < 0.5 || lateS <= 0 || limitS <= 0)
    return {
      lat: seg.to.lat,
      lng: seg.to.lng,
      mode: lateS > 0 && speed >= 0.5 ? 'still' : 'still',
    };
  const metres = speed * Math.min(lateS, limitS);
  const mode = lateS < limitS ? 'estimated' : 'still';
  if (seg.along) {
    const s = Math.min(polylineLength(seg.along.line), seg.along.s1 + metres);
    const p = pointAt(seg.along.line, s);
    return { lat: p.lat, lng: p.lng, mode };
  }
  if (seg.to.headingDeg === undefined) return { lat: seg.to.lat, lng: seg.to.lng, mode: 'still' };
  const p = offsetBy(seg.to, metres, seg.to.headingDeg);
  return { lat: p.lat, lng: p.lng, mode };
}
