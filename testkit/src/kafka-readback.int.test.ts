import { randomUUID } from 'node:crypto';
import { quietKafka } from './clients.js';
import { expect, inject, it } from 'vitest';
import { createKafka } from '@fleetstream/kafka/client';
import { ensureTopics } from '@fleetstream/kafka/topics';
import { startBatchConsumer } from '@fleetstream/backend/infra/kafka-consumer';
import { testLogger } from '@fleetstream/backend/testing/fixtures';
import { readTopic } from './kafka-readback.js';

const log = testLogger();

/**
 * The readback the reliability checks rely on, and the platform's consumers, return committed
 * records only, also where kafkajs's own read_committed filter does not: two producers'
 * transactions overlap on one partition and the one that began first is aborted last, so the
 * broker lists it second (kafka/src/read-committed.ts).
 */
it('returns only committed records when aborted transactions overlap', async () => {
  const brokers = inject('kafkaBrokers');
  const topic = `readback-txn-${randomUUID()}`;
  const kafka = quietKafka('readback-int-test', brokers);
  await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
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

  // The platform's own consumer (the one live-push and the sink dispatcher read
  // delivery-notifications with) passes the same records: kafkajs 2.2.4's filter alone lets
  // 'a1' through.
  const seen: string[] = [];
  let sawCommitted!: () => void;
  const done = new Promise<void>((r) => (sawCommitted = r));
  const consumer = await startBatchConsumer(
    createKafka({ brokers: brokers.split(','), clientId: topic, log }),
    {
      groupId: `${topic}-platform`,
      topics: [topic],
      log,
      onFatal: (err) => {
        throw err;
      },
      async handleBatch(batch) {
        seen.push(...batch.records.map((r) => r.value!.toString()));
        if (seen.includes('c1')) sawCommitted();
      },
    },
  );
  await done;
  await consumer.stop();
  expect(seen).toEqual(['c1']);
  await Promise.all([a.disconnect(), b.disconnect(), c.disconnect()]);
});
