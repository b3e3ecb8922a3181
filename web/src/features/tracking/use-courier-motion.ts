import { useCallback, useEffect, useRef } from 'react';
import { messageOrder, type PositionMessage, type PublicConfig } from '@fleetstream/contracts';
import type { Polyline } from '@fleetstream/geo';
import type { DriverView } from '../../components/map-view.js';
import { isCorrection, planSegment, positionAt, type Segment } from './motion.js';

declare global {
  interface Window {
    /** Fixes the marker jumped to instead of gliding (far-off fixes), for tests and the curious. */
    fleetstreamCorrections?: number;
  }
}

export type Freshness = DriverView['freshness'];

/** live while fixes come in; estimated after two intervals without one; stale after staleAfterS. */
export function freshnessOf(ageMs: number, staleAfterS: number, intervalMs = 1000): Freshness {
  if (ageMs > staleAfterS * 1000) return 'stale';
  if (ageMs > Math.max(3000, 2 * intervalMs)) return 'estimated';
  return 'live';
}

/**
 * How old the shown fix is: since it reached the page, or since the device took it if that is
 * longer (a snapshot after a reconnect can carry an old fix), allowing 2 s of device clock skew.
 */
export const fixAge = (now: number, fix: { receivedAt: number; ts: number }) =>
  Math.max(now - fix.receivedAt, now - fix.ts - 2000);

const reducedMotion = () =>
  typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

/**
 * Turns fixes into a marker that glides along the route and dead-reckons briefly when a fix is
 * late. With prefers-reduced-motion, the marker moves straight to each fix instead.
 */
export function useCourierMotion(
  position: PositionMessage | null,
  route: Polyline | null,
  config: PublicConfig | null,
) {
  const segment = useRef<Segment | null>(null);
  const lastFix = useRef<{
    /** `messageOrder` of the fix: seq alone repeats after the driver app restarts. */
    order: number;
    receivedAt: number;
    ts: number;
    accuracyM?: number;
  } | null>(null);
  const interval = useRef(1000);
  const settings = useRef({ staleAfterS: 10, deadReckonS: 5 });
  if (config)
    settings.current = { staleAfterS: config.staleAfterS, deadReckonS: config.deadReckonS };

  useEffect(() => {
    if (!position || messageOrder(position) === lastFix.current?.order) return;
    const now = Date.now();
    if (lastFix.current)
      interval.current = Math.min(
        5000,
        Math.max(250, 0.7 * interval.current + 0.3 * (now - lastFix.current.receivedAt)),
      );
    const reduce = reducedMotion();
    const shown = segment.current
      ? positionAt(segment.current, now, { deadReckonS: settings.current.deadReckonS })
      : null;
    if (shown && isCorrection(shown, position))
      window.fleetstreamCorrections = (window.fleetstreamCorrections ?? 0) + 1;
    segment.current = planSegment(reduce ? null : shown, position, route, now, {
      intervalMs: interval.current,
    });
    lastFix.current = {
      order: messageOrder(position),
      receivedAt: now,
      ts: position.ts,
      accuracyM: position.accuracyM,
    };
  }, [position, route]);

  return useCallback((now: number): DriverView | null => {
    const seg = segment.current;
    const fix = lastFix.current;
    if (!seg || !fix) return null;
    const s = settings.current;
    const at = positionAt(seg, now, { deadReckonS: reducedMotion() ? 0 : s.deadReckonS });
    return {
      lat: at.lat,
      lng: at.lng,
      accuracyM: fix.accuracyM,
      freshness: freshnessOf(fixAge(now, fix), s.staleAfterS, interval.current),
    };
  }, []);
}
