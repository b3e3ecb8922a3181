import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLogger, uniqueName } from '../testing/fixtures.js';
import type { KafkaClient } from '@fleetstream/kafka/client';
import { testKafka } from '../testing/test-context.js';
import { ensureTopics } from '@fleetstream/kafka/topics';
import { startTransactionalProducers } from './kafka-producers.js';

const log = testLogger();
let kafka: KafkaClient;
const stops: (() => Promise<void>)[] = [];

beforeAll(() => {
  kafka = testKafka('kafka-producers-int-test', log);
});

afterAll(async () => {
  for (const stop of stops) await stop();
});

/**
 * Two members with the same transactional ids, as two instances of the notifications group
 * are: a partition goes from A to B and back to A, the way it did in the 3-broker failover test.
 */
describe('transactional producers across a partition moving away and back', () => {
  it('a member that gets a partition back writes with a new producer, and fences the one that had it', async () => {
    const input = uniqueName('txn-in');
    const output = uniqueName('txn-out');
    await ensureTopics(
      kafka,
      [
        { topic: input, numPartitions: 1 },
        { topic: output, numPartitions: 1 },
      ],
      log,
    );
    const base = uniqueName('txn');
    const a = startTransactionalProducers(kafka, base);
    const b = startTransactionalProducers(kafka, base);
    stops.push(a.stop, b.stop);
    const write = (offset: number) => ({
      records: [{ topic: output, records: [{ key: 'k', value: String(offset) }] }],
      offsets: { groupId: uniqueName('g'), topic: input, partition: 0, offset: String(offset) },
    });
    /** The kafkajs error types along the chain of causes of what a write rejected with. */
    const fenced = (err: unknown) => {
      const types: string[] = [];
      for (
        let e = err as { type?: string; cause?: unknown } | undefined;
        e;
        e = e.cause as typeof e
      )
        types.push(e.type ?? '');
      return types.join(' ');
    };

    await a.write(write(1));
    await b.write(write(2)); // B took the partition over: its producer fences A's.
    // Without a new producer A's next transaction fails, its epoch being old.
    await expect(a.write(write(3)).catch(fenced)).resolves.toMatch(
      /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/,
    );

    await b.write(write(4)); // B owns it again (A's failed write made A drop its producer).
    a.retain(() => false); // A's member joins without the partition…
    b.retain(() => false); // …and B's loses it.
    await a.write(write(5)); // A has it back: a new producer, which fences B's former one.
    await b.write(write(6)); // B again: a new producer too, not the one A fenced.
    await expect(a.write(write(7)).catch(fenced)).resolves.toMatch(
      /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/,
    );
  });
});
