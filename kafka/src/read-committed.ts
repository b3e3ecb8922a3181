// kafkajs's record decoder, replaced the same way (record-decoder.ts).
import './record-decoder.js';
import { createRequire } from 'node:module';
import { replaceKafkajsModule } from './kafkajs-module.js';

/**
 * kafkajs 2.2.4's read_committed filter, corrected. Every kafkajs consumer in the platform (the
 * groups reading `delivery-notifications`, the suite's readback) goes through it.
 *
 * The broker answers a read_committed fetch with the records below the last stable offset and
 * the list of aborted transactions that overlap them (producer id, first offset). The consumer
 * must drop a producer's transactional records from that first offset up to the producer's
 * abort marker. kafkajs takes the list in the order the broker sends it, which is the order the
 * transactions *ended*, and compares only its head with each record: when two producers'
 * transactions overlap and the one that began first is aborted last, its records pass as if
 * committed (docs/reliability.md). Java's consumer sorts the list by first offset and admits
 * every transaction that has begun; so does this.
 *
 * kafkajs is pinned and in maintenance mode, so the fix replaces its filter module before the
 * consumer loads it (this module is imported ahead of kafkajs by every adapter), and
 * `assertReadCommittedFixed` checks the filter that is actually in use on a known case: if
 * kafkajs was loaded first, or another version is installed, consumers refuse to start.
 */

export interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

export interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

const ABORT_MARKER = Buffer.from([0, 0, 0, 0]);

const isAbortMarker = (m: FetchedMessage) =>
  m.isControlRecord === true && m.key !== null && Buffer.from(m.key).equals(ABORT_MARKER);

/**
 * The records of a fetched partition that belong to no aborted transaction, in offset order.
 * Control records stay in (kafkajs drops them itself, after this filter).
 */
export function withoutAborted<M extends FetchedMessage>(
  messages: readonly M[],
  aborted: readonly AbortedTransaction[] | null | undefined,
): M[] {
  if (!aborted || aborted.length === 0) return [...messages];
  const pending = [...aborted].sort((a, b) => compareOffsets(a.firstOffset, b.firstOffset));
  const abortedProducers = new Set<string>();
  let next = 0;
  const out: M[] = [];
  for (const m of messages) {
    const offset = BigInt(m.offset);
    while (next < pending.length && BigInt(pending[next]!.firstOffset) <= offset) {
      abortedProducers.add(pending[next]!.producerId);
      next++;
    }
    const producer = m.batchContext.producerId;
    if (isAbortMarker(m)) {
      abortedProducers.delete(producer);
      out.push(m);
    } else if (m.batchContext.inTransaction && abortedProducers.has(producer)) {
      continue;
    } else {
      out.push(m);
    }
  }
  return out;
}

function compareOffsets(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

const require = createRequire(import.meta.url);
const KAFKAJS_VERSION = '2.2.4';
const filterPath = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
const batchPath = require.resolve('kafkajs/src/consumer/batch.js');

/** The filter in kafkajs's own calling convention. */
function kafkajsFilter(input: {
  messages: FetchedMessage[];
  abortedTransactions?: AbortedTransaction[];
}): FetchedMessage[] {
  return withoutAborted(input.messages, input.abortedTransactions);
}

replaceKafkajsModule(filterPath, kafkajsFilter);

let verified = false;

/**
 * Throws unless the kafkajs consumer in this process filters aborted transactions correctly:
 * a fetch where producer 1's transaction (begun first, aborted last) is listed after producer
 * 2's must yield producer 3's committed record only.
 */
export function assertReadCommittedFixed(): void {
  if (verified) return;
  const { version } = require('kafkajs/package.json') as { version: string };
  const Batch = require(batchPath) as new (
    topic: string,
    fetchedOffset: string,
    partitionData: unknown,
  ) => { messages: { offset: string }[] };
  const record = (offset: number, producerId: string, control?: 'abort' | 'commit') => ({
    offset: String(offset),
    key: control ? Buffer.from([0, 0, 0, control === 'abort' ? 0 : 1]) : Buffer.from('k'),
    value: Buffer.from('v'),
    isControlRecord: control !== undefined,
    batchContext: { producerId, inTransaction: true },
  });
  const batch = new Batch('probe', '0', {
    partition: 0,
    highWatermark: '7',
    abortedTransactions: [
      { producerId: '2', firstOffset: '1' },
      { producerId: '1', firstOffset: '0' },
    ],
    messages: [
      record(0, '1'),
      record(1, '2'),
      record(2, '2', 'abort'),
      record(3, '1'),
      record(4, '1', 'abort'),
      record(5, '3'),
      record(6, '3', 'commit'),
    ],
  });
  const offsets = batch.messages.map((m) => m.offset).join(',');
  if (offsets !== '5')
    throw new Error(
      `kafkajs ${version}'s read_committed filter is not the corrected one (kept offsets ${offsets} of a probe, expected 5): ` +
        (version === KAFKAJS_VERSION
          ? 'kafkajs was loaded before @fleetstream/kafka/read-committed; import that first'
          : `the fix was written for kafkajs ${KAFKAJS_VERSION}`),
    );
  verified = true;
}
