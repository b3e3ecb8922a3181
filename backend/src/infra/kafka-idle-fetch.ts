import { createRequire } from 'node:module';

/**
 * Fetches that cost nothing while there is nothing to read. A member that serves customers
 * (live-push) asks the broker to wait at most ~20 ms for a fuller batch, so a fix is never held
 * longer than that: about 50 fetches a second over all its partitions, whether the fleet sends
 * 10,000 fixes a second or none. Each costs the member and the broker a full fetch cycle, so a
 * quiet deployment paid for a busy one.
 *
 * With an idle wait, a fetch that follows one which brought no record asks instead for any
 * record at all (one byte) and lets the broker hold it for the idle wait: the broker answers the
 * moment something arrives, so the first record after a quiet spell waits less than it did, and
 * an idle member makes a few fetches a second. Once records flow, fetches go back to the
 * member's own wait and size.
 *
 * kafkajs 2.2.4 fixes a consumer's wait and minimum size when the consumer is created and reads
 * them from its consumer group on every fetch, so this wraps that one method, for the groups
 * registered here only (by group id: members of one group in one process share the setting).
 */

interface KafkajsBatch {
  rawMessages: unknown[];
}

interface KafkajsConsumerGroup {
  groupId: string;
  maxWaitTime: number;
  minBytes: number;
  fetch(nodeId: number): Promise<KafkajsBatch[]>;
  [OWN]?: { maxWaitTime: number; minBytes: number; idle: boolean };
}

const OWN = Symbol('fleetstream.idleFetch');
const require = createRequire(import.meta.url);
const idleWaits = new Map<string, number>();

/** The wait and size of the next fetch: the member's own, or the idle ones after an empty fetch. */
export function nextFetch(
  own: { maxWaitTime: number; minBytes: number },
  idleWaitMs: number,
  lastWasEmpty: boolean,
): { maxWaitTime: number; minBytes: number } {
  return lastWasEmpty ? { maxWaitTime: Math.max(idleWaitMs, own.maxWaitTime), minBytes: 1 } : own;
}

/** Whether a fetch brought nothing: no record in any partition (control records count). */
export const broughtNothing = (batches: readonly KafkajsBatch[]) =>
  batches.every((b) => b.rawMessages.length === 0);

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as {
    prototype: KafkajsConsumerGroup;
  };
  const fetch = ConsumerGroup.prototype.fetch;
  ConsumerGroup.prototype.fetch = async function (this: KafkajsConsumerGroup, nodeId: number) {
    const idleWaitMs = idleWaits.get(this.groupId);
    if (idleWaitMs === undefined) return fetch.call(this, nodeId);
    const own = (this[OWN] ??= {
      maxWaitTime: this.maxWaitTime,
      minBytes: this.minBytes,
      idle: false,
    });
    const next = nextFetch(own, idleWaitMs, own.idle);
    this.maxWaitTime = next.maxWaitTime;
    this.minBytes = next.minBytes;
    const batches = await fetch.call(this, nodeId);
    // No batch at all: no partition to fetch (paused, or none assigned) or a failed fetch.
    own.idle = broughtNothing(batches);
    return batches;
  };
}

/**
 * From now on, members of `groupId` in this process fetch with `idleWaitMs` and one byte after a
 * fetch that brought nothing (0: never).
 */
export function setIdleFetchWait(groupId: string, idleWaitMs: number): void {
  if (idleWaitMs <= 0) {
    idleWaits.delete(groupId);
    return;
  }
  // Only processes with a group that asks for it wrap kafkajs at all.
  install();
  idleWaits.set(groupId, idleWaitMs);
}
