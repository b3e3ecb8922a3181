import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { expect, inject, it } from 'vitest';
import { readTopic } from './kafka-readback.js';

/**
 * The readback the reliability checks rely on returns committed records only, also where
 * kafkajs's own read_committed filter does not: two producers' transactions overlap on one
 * partition and the one that began first is aborted last, so the broker lists it second.
 */
it('returns only committed records when aborted transactions overlap', async () => {
  const brokers = inject('kafkaBrokers');
  const topic = `readback-txn-${randomUUID()}`;
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = (id: string) =>
    kafka.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 });
  const [a, b, c] = [producer('a'), producer('b'), producer('c')];
  await Promise.all([a.connect(), b.connect(), c.connect()]);
  const send = (t: Awaited<ReturnType<typeof a.transaction>>, value: string) =>
    t.send({ topic, messages: [{ key: value, value }] });

  const ta = await a.transaction();
  await send(ta, 'a1'); // offset 0: A begins
  const tb = await b.transaction();
  await send(tb, 'b1'); // offset 1: B begins
  await tb.abort(); // B's abort marker: B is listed first
  await send(ta, 'a2');
  await ta.abort(); // A's abort marker: A, which began first, is listed second
  const tc = await c.transaction();
  await send(tc, 'c1');
  await tc.commit();

  const values = (await readTopic(brokers, topic)).map((r) => r.value?.toString());
  expect(values).toEqual(['c1']);

  // What a plain kafkajs read_committed consumer makes of the same partition, for the record:
  // 2.2.4 lets 'a1' through. Logged, not asserted, so a fixed kafkajs does not fail this test.
  const seen: string[] = [];
  const consumer = kafka.consumer({ groupId: `${topic}-plain` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    setTimeout(resolve, 20_000).unref();
    void consumer.run({
      eachBatch: async ({ batch }) => {
        seen.push(...batch.messages.map((m) => m.value!.toString()));
        if (seen.includes('c1')) resolve();
      },
    });
  });
  await consumer.disconnect();
  console.log(`kafkajs read_committed consumer saw: ${seen.join(', ')} (committed: c1)`);
  await Promise.all([a.disconnect(), b.disconnect(), c.disconnect()]);
});
