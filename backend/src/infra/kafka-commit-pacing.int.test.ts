import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import { testLogger, uniqueName } from '../testing/fixtures.js';
import type { KafkaClient } from '@fleetstream/kafka/client';
import { testKafka } from '../testing/test-context.js';
import { ensureTopics } from '@fleetstream/kafka/topics';
import { deferPlainCommits, paceCommits } from './kafka-commit-pacing.js';

const log = testLogger();
let kafka: KafkaClient;
const stops: (() => Promise<void>)[] = [];
/** Woken by every member's batches and joins. */
const waiters: (() => void)[] = [];
const wake = () => waiters.splice(0).forEach((w) => w());
const until = async (done: () => boolean) => {
  while (!done()) await new Promise<void>((r) => waiters.push(r));
};

beforeAll(() => {
  kafka = testKafka('kafka-commit-pacing-test', log);
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
});

/** A member of `groupId` that counts its batches and commit requests, committing every 60 s. */
async function member(groupId: string, topic: string) {
  const consumer: Consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    heartbeatInterval: 300,
    sessionTimeout: 10_000,
  });
  const seen = { batches: 0, records: 0, commits: 0, joins: 0 };
  consumer.on(consumer.events.COMMIT_OFFSETS, () => void seen.commits++);
  consumer.on(consumer.events.GROUP_JOIN, () => {
    seen.joins++;
    wake();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 60_000,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      seen.batches++;
      seen.records += batch.messages.length;
      wake();
    },
  });
  stops.push(() => consumer.disconnect());
  return { consumer, seen };
}

/** Records of `topic` committed by `groupId`, over all its partitions. */
async function committed(groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('paced commits, on a real broker', () => {
  it('commits once after joining, then at the interval instead of after every batch, in full on a rebalance and on leaving', async () => {
    const topic = uniqueName('commit-pacing');
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }], log);
    const producer = kafka.producer();
    await producer.connect();
    stops.push(() => producer.disconnect());
    const paced = uniqueName('paced');
    const unpaced = uniqueName('unpaced');
    paceCommits(paced);
    const a = await member(paced, topic);
    const control = await member(unpaced, topic);
    await until(() => a.seen.joins > 0);
    await until(() => control.seen.joins > 0);

    // One record at a time, each handled before the next is sent: a batch each.
    for (let i = 0; i < 20; i++) {
      await producer.send({ topic, messages: [{ key: `k${i}`, value: `v${i}` }] });
      await until(() => a.seen.records > i);
      await until(() => control.seen.records > i);
    }
    expect(a.seen.batches).toBeGreaterThanOrEqual(20);
    // kafkajs on its own commits after each batch, whatever the interval says (the last
    // batch's commit may still be in flight)…
    expect(control.seen.commits).toBeGreaterThanOrEqual(19);
    // …a paced member commits its first record after joining (so the group has a lag at once),
    // then waits for its 60 s.
    expect(a.seen.commits).toBe(1);
    expect(await committed(paced, topic)).toBe(1);

    // A second member joins: the first learns of the rebalance from its heartbeat and commits
    // all it handled before it rejoins, so nothing it handled is read again.
    const b = await member(paced, topic);
    await until(() => b.seen.joins > 0);
    expect(await committed(paced, topic)).toBe(20);

    // Both stop: each commits what it handled before it leaves.
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `m${i}`, value: `w${i}` })),
    });
    await until(() => a.seen.records + b.seen.records >= 30);
    await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);
    expect(a.seen.records + b.seen.records).toBe(30);
    expect(await committed(paced, topic)).toBe(30);
  });

  it("defers a transactional group's plain commits to the end of a fetch cycle past the interval, and to leaving", async () => {
    const topic = uniqueName('plain-commits');
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }], log);
    const producer = kafka.producer();
    await producer.connect();
    stops.push(() => producer.disconnect());

    /** A member that handles each batch as a chunk needing no transaction, as notifications do. */
    async function transactional(groupId: string, intervalMs: number) {
      const plain = deferPlainCommits(groupId, intervalMs);
      const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
      const seen = { records: 0, commits: 0, joins: 0 };
      consumer.on(consumer.events.COMMIT_OFFSETS, () => void seen.commits++);
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        plain.joined(e.payload.memberId);
        seen.joins++;
        wake();
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          const token = await plain.starting(batch.topic, batch.partition);
          const last = batch.messages[batch.messages.length - 1]!.offset;
          resolveOffset(last);
          plain.plain(batch.topic, batch.partition, String(BigInt(last) + 1n), token);
          seen.records += batch.messages.length;
          wake();
        },
      });
      stops.push(() => consumer.disconnect());
      return { consumer, seen };
    }

    // A long interval: the first fetch after the first chunk commits it, then nothing for 60 s.
    const slow = uniqueName('deferred');
    const a = await transactional(slow, 60_000);
    await until(() => a.seen.joins > 0);
    for (let i = 0; i < 20; i++) {
      await producer.send({ topic, messages: [{ key: `k${i}`, value: `v${i}` }] });
      await until(() => a.seen.records > i);
    }
    expect(a.seen.commits).toBeLessThanOrEqual(1);
    // Leaving commits what waits, both partitions in one request.
    await a.consumer.disconnect();
    expect(a.seen.commits).toBeLessThanOrEqual(2);
    expect(await committed(slow, topic)).toBe(20);

    // A short interval: an idle member's last chunks are committed by its next fetches, with no
    // record after them.
    const quick = uniqueName('deferred-quick');
    const b = await transactional(quick, 200);
    await until(() => b.seen.records >= 20);
    await expect.poll(() => committed(quick, topic), { timeout: 10_000 }).toBe(20);
    expect(b.seen.commits).toBeLessThan(10);
  });
});
