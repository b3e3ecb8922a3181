import {
  decodeLocationRecord,
  type DecodeResult,
  type LocationRecord,
} from '@fleetstream/contracts';
import type { AppContext } from '../context.js';
import type { ConsumedRecord } from '../infra/kafka-consumer.js';

/**
 * Decodes a consumed record and checks its device time against the time the broker stored it:
 * a fix from further in the future than the clock-skew tolerance, or older than the maximum age
 * (phones buffer fixes while offline, so some age is normal), is invalid and dead-lettered.
 * Comparing with the broker's timestamp, not our clock, keeps a group that catches up after an
 * outage from rejecting what it missed.
 */
export function decodeConsumed(ctx: AppContext, r: ConsumedRecord): DecodeResult<LocationRecord> {
  const d = decodeLocationRecord(r.value);
  if (!d.ok || !Number.isFinite(r.timestamp) || r.timestamp <= 0) return d;
  const { maxFutureMs, maxAgeMs } = ctx.config.records;
  const drift = d.value.ts - r.timestamp;
  if (drift > maxFutureMs)
    return {
      ok: false,
      error: `ts is ${Math.round(drift / 1000)} s ahead of the broker's time (tolerance ${maxFutureMs / 1000} s)`,
    };
  if (-drift > maxAgeMs)
    return {
      ok: false,
      error: `ts is ${Math.round(-drift / 1000)} s older than the broker's time (limit ${maxAgeMs / 1000} s)`,
    };
  return d;
}
