import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLocationRecord, encodeLocationRecord } from '@fleetstream/contracts';
import { positionTrace, testLogger, uniqueName } from '../testing/fixtures.js';
import type { KafkaClient } from '@fleetstream/kafka/client';
import { testKafka } from '../testing/test-context.js';
import { ensureTopics } from '@fleetstream/kafka/topics';
import { startBatchConsumer, type ConsumedRecord } from './kafka-consumer.js';
import { startProducer } from '@fleetstream/kafka/producer';

const log = testLogger();
let kafka: KafkaClient;

beforeAll(() => {
  kafka = testKafka('kafka-int-test', log);
});

/** Consumes with our batch consumer until `until` says stop; returns what it saw, in order. */
async function consumeUntil(
  groupId: string,
  topic: string,
  until: (seen: ConsumedRecord[]) => boolean,
  o: {
    partitionsConcurrently?: number;
    onChunk?: (records: ConsumedRecord[]) => Promise<void>;
  } = {},
) {
  const seen: ConsumedRecord[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const consumer = await startBatchConsumer(kafka, {
    groupId,
    topics: [topic],
    chunkSize: 200,
    partitionsConcurrently: o.partitionsConcurrently,
    log,
    onFatal: (err) => {
      throw err;
    },
    async handleBatch(batch) {
      await o.onChunk?.(batch.records);
      seen.push(...batch.records);
      if (until(seen)) resolveDone();
    },
  });
  await done;
  await consumer.stop();
  return seen;
}

async function committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(t!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

function expectSeqIncreasingPerDriver(records: ConsumedRecord[]) {
  const last = new Map<string, number>();
  for (const r of records) {
    const d = decodeLocationRecord(r.value);
    if (!d.ok) throw new Error(d.error);
    expect(r.key).toBe(d.value.driverId);
    expect(d.value.seq, `driver ${d.value.driverId}`).toBeGreaterThan(
      last.get(d.value.driverId) ?? 0,
    );
    last.set(d.value.driverId, d.value.seq);
  }
}

describe('Kafka pipe against the real broker', () => {
  const topic = uniqueName('location');
  const trace = positionTrace(100, 100);
  const partitions = 6;

  beforeAll(async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: partitions }], log);
    const producer = await startProducer(kafka);
    for (let i = 0; i < trace.length; i += 1000) {
      await producer.send(
        topic,
        trace.slice(i, i + 1000).map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
      );
    }
    await producer.stop();
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('consumes all 10,000 records in per-driver seq order and commits every offset', async () => {
    expect(trace).toHaveLength(10_000);
    const groupId = uniqueName('all');
    const seen = await consumeUntil(groupId, topic, (s) => s.length >= trace.length);
    expect(seen).toHaveLength(10_000);
    expectSeqIncreasingPerDriver(seen);
    const ids = new Set(seen.map((r) => `${r.partition}:${r.offset}`));
    expect(ids.size).toBe(10_000);

    const committed = await committedOffsets(groupId, topic);
    const ends = new Map<number, bigint>();
    for (const r of seen) ends.set(r.partition, BigInt(r.offset) + 1n);
    expect(committed.size).toBe(partitions);
    for (const [p, end] of ends) expect(committed.get(p), `partition ${p}`).toBe(end);
  });

  it('resumes from the committed offset after a stop halfway, losing nothing', async () => {
    const groupId = uniqueName('resume');
    const first = await consumeUntil(groupId, topic, (s) => s.length >= 5_000);
    expect(first.length).toBeGreaterThanOrEqual(5_000);
    expect(first.length).toBeLessThan(10_000);
    const committed = await committedOffsets(groupId, topic);

    // Everything handled before the stop was committed: no gap, no double work.
    const handledEnd = new Map<number, bigint>();
    for (const r of first) handledEnd.set(r.partition, BigInt(r.offset) + 1n);
    for (const [p, end] of handledEnd) expect(committed.get(p), `partition ${p}`).toBe(end);

    const remaining = 10_000 - first.length;
    const second = await consumeUntil(groupId, topic, (s) => s.length >= remaining);
    for (const r of second) {
      const c = committed.get(r.partition) ?? -1n;
      expect(
        BigInt(r.offset),
        `partition ${r.partition} resumed below its commit`,
      ).toBeGreaterThanOrEqual(c < 0n ? 0n : c);
    }
    const all = [...first, ...second];
    expect(new Set(all.map((r) => `${r.partition}:${r.offset}`)).size).toBe(10_000);
    expect(all).toHaveLength(10_000);
    expectSeqIncreasingPerDriver(
      all.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset))),
    );
  });

  it('handles partitions concurrently, each one chunk at a time and in offset order', async () => {
    const groupId = uniqueName('concurrent');
    const busy = new Set<number>();
    const twice: number[] = [];
    let most = 0;
    const seen = await consumeUntil(groupId, topic, (s) => s.length >= trace.length, {
      partitionsConcurrently: 4,
      async onChunk(records) {
        const p = records[0]!.partition;
        // Counted, not asserted here: kafkajs would take a throw for a failed chunk and retry it.
        if (busy.has(p)) twice.push(p);
        busy.add(p);
        most = Math.max(most, busy.size);
        // Long enough that other partitions' chunks start meanwhile.
        await new Promise((r) => setTimeout(r, 5));
        busy.delete(p);
      },
    });
    expect(twice, 'partitions handled twice at once').toEqual([]);
    expect(most).toBeGreaterThan(1);
    expect(seen).toHaveLength(10_000);
    expectSeqIncreasingPerDriver(seen);
    const next = new Map<number, bigint>();
    for (const r of seen) {
      expect(BigInt(r.offset), `partition ${r.partition}`).toBeGreaterThanOrEqual(
        next.get(r.partition) ?? 0n,
      );
      next.set(r.partition, BigInt(r.offset) + 1n);
    }
    const committed = await committedOffsets(groupId, topic);
    for (const [p, end] of next) expect(committed.get(p), `partition ${p}`).toBe(end);
  });
});
