import { decodeLocationRecord, type FleetViewport, type TripStatus } from '@fleetstream/contracts';
import type { Config } from '../config.js';
import { createFleetView } from '../domain/fleet-view.js';
import type { LogReader } from '../infra/kafka-log-reader.js';
import type { Logger } from '../infra/logger.js';

/** How often each fleet map gets its viewport. */
export const FLEET_EVERY_MS = 1000;
/** A tail nobody watches any more is stopped after this long (a reload does not restart it). */
const IDLE_STOP_MS = 60_000;
/** Nothing new at the end of the log: look again after this long. */
const TAIL_POLL_MS = 250;

/**
 * The fleet as the live maps show it, in the log worker: one tail of `delivery-location` per
 * gateway (group-less, from a little before now), however many dashboards watch, started with
 * the first and stopped a minute after the last. Each dashboard gets its own viewport once a
 * second.
 */
export function createFleetWatch(o: {
  /** A reader of the log of its own, closed with the tail. */
  openReader(): LogReader;
  config: Config;
  log: Logger;
  send(id: number, data: string): void;
}) {
  const offlineAfterMs = o.config.couriers.offlineAfterS * 1000;
  const view = createFleetView(offlineAfterMs);
  const viewers = new Map<number, FleetViewport | null>();
  let tail: Promise<void> | null = null;
  let stopping = false;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let idle: ReturnType<typeof setTimeout> | undefined;

  const sendTo = (id: number, now = Date.now()) =>
    o.send(id, JSON.stringify(view.snapshot(viewers.get(id) ?? null, now)));

  async function follow(): Promise<void> {
    const reader = o.openReader();
    const topic = o.config.topics.location;
    try {
      // Back far enough that every courier still online has sent a fix since.
      const positions = await reader.offsetsForTime(
        topic,
        Date.now() - Math.max(2 * offlineAfterMs, 30_000),
      );
      while (!stopping) {
        let got = 0;
        try {
          for (const [partition, read] of await reader.read(topic, positions, 512 * 1024)) {
            for (const r of read.records) {
              const d = decodeLocationRecord(r.value);
              if (d.ok) view.apply(d.value, r.timestamp);
            }
            got += read.records.length;
            positions.set(partition, read.next);
          }
        } catch (err) {
          o.log.warn({ err: (err as Error).message }, 'fleet view cannot read the log; retrying');
          await new Promise((r) => setTimeout(r, 1000));
        }
        await new Promise((r) => (got > 0 ? setImmediate(r) : setTimeout(r, TAIL_POLL_MS)));
      }
    } finally {
      await reader.close();
    }
  }

  return {
    watch(id: number): void {
      viewers.set(id, null);
      clearTimeout(idle);
      // A tail told to stop that has not yet stopped goes on; one that has is started again.
      stopping = false;
      if (!tail) {
        tail = follow()
          .catch((err: unknown) =>
            o.log.error({ err: (err as Error).message }, 'fleet view stopped'),
          )
          .finally(() => (tail = null));
      }
      ticker ??= setInterval(() => {
        const now = Date.now();
        for (const id of viewers.keys()) sendTo(id, now);
      }, FLEET_EVERY_MS);
    },
    viewport(id: number, viewport: FleetViewport): void {
      if (!viewers.has(id)) return;
      viewers.set(id, viewport);
      sendTo(id);
    },
    unwatch(id: number): void {
      viewers.delete(id);
      if (viewers.size > 0) return;
      clearInterval(ticker);
      ticker = undefined;
      idle = setTimeout(() => void (stopping = true), IDLE_STOP_MS);
    },
    seed(deliveries: readonly [driverId: string, deliveryId: string, status: TripStatus][]) {
      for (const [driverId, deliveryId, status] of deliveries)
        view.seed(driverId, deliveryId, status);
    },
  };
}
