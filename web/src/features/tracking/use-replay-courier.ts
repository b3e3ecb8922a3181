import { useCallback, useEffect, useRef } from 'react';
import type { PositionMessage } from '@fleetstream/contracts';
import type { Polyline } from '@fleetstream/geo';
import type { DriverView } from '../../components/map-view.js';
import { planSegment, positionAt, type Segment } from './motion.js';

const reducedMotion = () =>
  typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

/**
 * The courier's marker in a replay: it glides to each played fix along the route, in about the
 * wall time between fixes (shorter at a higher speed). No dead reckoning and no freshness: a
 * recording is never late, and what it shows was live then.
 */
export function useReplayCourier(position: PositionMessage | null, route: Polyline | null) {
  const segment = useRef<Segment | null>(null);
  const last = useRef<{ fix: PositionMessage; receivedAt: number } | null>(null);
  const interval = useRef(1000);

  useEffect(() => {
    if (!position) {
      // After a seek: the next fix is placed, not glided to from another time.
      segment.current = null;
      last.current = null;
      return;
    }
    if (position === last.current?.fix) return;
    const now = Date.now();
    if (last.current)
      interval.current = Math.min(
        2000,
        Math.max(50, 0.7 * interval.current + 0.3 * (now - last.current.receivedAt)),
      );
    const shown =
      segment.current && !reducedMotion()
        ? positionAt(segment.current, now, { deadReckonS: 0 })
        : null;
    segment.current = planSegment(shown, position, route, now, { intervalMs: interval.current });
    last.current = { fix: position, receivedAt: now };
  }, [position, route]);

  return useCallback((now: number): DriverView | null => {
    const seg = segment.current;
    if (!seg) return null;
    const at = positionAt(seg, now, { deadReckonS: 0 });
    return {
      lat: at.lat,
      lng: at.lng,
      accuracyM: last.current?.fix.accuracyM,
      freshness: 'live',
    };
  }, []);
}
