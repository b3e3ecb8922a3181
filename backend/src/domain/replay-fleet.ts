import {
  courierStateAfter,
  type CourierState,
  type FrameCourier,
  type LocationRecord,
} from '@fleetstream/contracts';

/** Coordinates to about a metre: a frame of thousands of couriers stays small. */
const round5 = (x: number) => Math.round(x * 1e5) / 1e5;

/**
 * The fleet as a replay shows it: each courier's latest position and state. A frame carries only
 * the couriers that moved since the previous one, one position each however many fixes came in
 * between (a fleet at 60× sends 60 fixes a courier a second; a browser draws one per frame).
 */
export function createFleetFrames() {
  const states = new Map<string, CourierState>();
  const changed = new Map<string, FrameCourier>();
  return {
    add(r: LocationRecord): void {
      if (r.type === 'trip') {
        states.set(r.driverId, courierStateAfter(r.status));
        const last = changed.get(r.driverId);
        if (last) last[5] = courierStateAfter(r.status);
        return;
      }
      const state = states.get(r.driverId) ?? (r.deliveryId ? 'to_customer' : 'idle');
      changed.set(r.driverId, [
        r.driverId,
        r.deliveryId,
        round5(r.lat),
        round5(r.lng),
        r.ts,
        state,
      ]);
    },
    /** The couriers that moved since the last call, and forgets them. */
    take(): FrameCourier[] {
      const out = [...changed.values()];
      changed.clear();
      return out;
    },
    /** After a seek: what was known belongs to another time. */
    reset(): void {
      states.clear();
      changed.clear();
    },
    get pending() {
      return changed.size;
    },
  };
}
