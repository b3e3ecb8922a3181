import type { LocationRecord } from '@fleetstream/contracts';
import type { Fleet, FleetStats } from './fleet.js';

/** Time source of a run; tests and benchmarks may run faster than real time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/**
 * A clock running `factor` times faster than real time from now on. The schedule is kept in
 * its time, so falling behind is measured as honestly as with the real clock.
 */
export function acceleratedClock(factor: number): Clock {
  const origin = Date.now();
  return {
    now: () => origin + (Date.now() - origin) * factor,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms / factor)),
  };
}

export interface RunOptions {
  fleet: Fleet;
  /** Fixes per second per driver. */
  rateHz: number;
  /** Seconds of fleet time to run; 0 = until `signal` aborts. */
  durationS: number;
  /**
   * Sends one tick's records; rejects if they could not be delivered. Rejecting with a
   * {@link PartialSendError} says which records did go through: only the others are sent again.
   */
  send(records: LocationRecord[]): Promise<void>;
  /**
   * Each interval is split into this many slots, each ticking a share of the drivers, so fixes
   * and load are spread over the second instead of arriving as one burst.
   * @default one slot per 2,000 drivers, 1…10
   */
  parts?: number;
  clock?: Clock;
  signal?: AbortSignal;
  /** Called after every slot; keep it cheap. */
  onStatus?(s: RunStatus): void;
  /** Give up on a batch (and stop) when sends failed for this long. @default 120000 */
  failAfterMs?: number;
}

/** Some of a batch was acknowledged and some was not; the caller sends `unsent` again. */
export class PartialSendError extends Error {
  constructor(
    readonly sent: LocationRecord[],
    readonly unsent: LocationRecord[],
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      `${unsent.length} of ${sent.length + unsent.length} records not acknowledged${cause}`,
      options,
    );
    this.name = 'PartialSendError';
  }
}

export interface RunStatus {
  drivers: number;
  fleet: Readonly<FleetStats>;
  slots: number;
  slotMs: number;
  sent: number;
  /** Records given up on: their batch failed for longer than `failAfterMs`, or at a stop. */
  errors: number;
  /** Sends that failed and were tried again with the same records. */
  retries: number;
  lastError: Error | null;
  /** How late the current slot started, in clock ms. */
  lagMs: number;
  maxLagMs: number;
  /** Slots that started more than a whole slot late. */
  behindSlots: number;
  elapsedMs: number;
  /** Real time, for rates. */
  wallMs: number;
}

/**
 * Runs the fleet on a fixed schedule and sends each slot's records while the next slot is
 * generated. A slot that starts late is still generated with its scheduled time and counted as
 * behind, instead of time quietly stretching.
 */
export async function runSimulator(o: RunOptions): Promise<RunStatus> {
  const clock = o.clock ?? realClock;
  const parts = o.parts ?? Math.min(10, Math.max(1, Math.ceil(o.fleet.size / 2000)));
  const slotMs = 1000 / o.rateHz / parts;
  const totalSlots = o.durationS > 0 ? Math.round(o.durationS * o.rateHz) * parts : Infinity;
  const failAfterMs = o.failAfterMs ?? 120_000;
  const startedAt = clock.now();
  const s: RunStatus = {
    drivers: o.fleet.size,
    fleet: o.fleet.stats,
    slots: 0,
    slotMs,
    sent: 0,
    errors: 0,
    retries: 0,
    lastError: null,
    lagMs: 0,
    maxLagMs: 0,
    behindSlots: 0,
    elapsedMs: 0,
    wallMs: Date.now(),
  };
  let failingSince = 0;
  let inflight: Promise<void> = Promise.resolve();
  // A failed batch is sent again, as it is, until it goes through or we give up: never skipped
  // for the next one. The idempotent producer numbers a batch when it first sends it and only
  // moves on after an answer, so skipping a batch the broker did write (its answer lost in a
  // timeout) would let the next batch reuse those numbers and be dropped as a "duplicate"
  // while acknowledged. Found by the single-broker chaos test (SIGSTOP of the broker).
  // What was acknowledged of a partly failed batch is not sent again: the producer has numbered
  // it as written, so a second copy would be a new record (found by the broker-failover test).
  const send = async (batch: LocationRecord[]) => {
    let records = batch;
    for (let attempt = 1; ; attempt++) {
      try {
        await o.send(records);
        s.sent += records.length;
        failingSince = 0;
        return;
      } catch (err) {
        s.lastError = err instanceof Error ? err : new Error(String(err));
        s.retries++;
        if (err instanceof PartialSendError) {
          s.sent += err.sent.length;
          records = err.unsent;
        }
        failingSince ||= Date.now();
        if (o.signal?.aborted || Date.now() - failingSince > failAfterMs) {
          s.errors += records.length;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 2_000)));
      }
    }
  };

  for (let n = 0; n < totalSlots && !o.signal?.aborted; n++) {
    const due = startedAt + n * slotMs;
    const wait = due - clock.now();
    if (wait > 0) await clock.sleep(wait);
    if (o.signal?.aborted) break;
    s.lagMs = Math.max(0, clock.now() - due);
    s.maxLagMs = Math.max(s.maxLagMs, s.lagMs);
    if (s.lagMs > slotMs) s.behindSlots++;
    const records = o.fleet.tick(due, 1 / o.rateHz, n % parts, parts);
    await inflight;
    if (failingSince > 0 && Date.now() - failingSince > failAfterMs) break;
    inflight = send(records);
    s.slots = n + 1;
    s.elapsedMs = clock.now() - startedAt;
    s.wallMs = Date.now();
    o.onStatus?.(s);
  }
  await inflight;
  // The last slot covers its whole interval of fleet time.
  s.elapsedMs = Math.max(clock.now() - startedAt, s.slots * slotMs);
  s.wallMs = Date.now();
  if (failingSince > 0 && Date.now() - failingSince > failAfterMs) {
    throw new Error(`every send failed for ${failAfterMs / 1000} s: ${s.lastError?.message}`, {
      cause: s.lastError,
    });
  }
  return s;
}
