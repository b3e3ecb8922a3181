import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLogger, uniqueName } from '../testing/fixtures.js';
import type { KafkaClient } from '@fleetstream/kafka/client';
import { testKafka } from '../testing/test-context.js';
import { ensureTopics } from '@fleetstream/kafka/topics';
import { broughtNothing, nextFetch, setIdleFetchWait } from './kafka-idle-fetch.js';

const log = testLogger();
let kafka: KafkaClient;

beforeAll(() => {
  kafka = testKafka('kafka-idle-fetch-test', log);
});

describe('nextFetch', () => {
  const own = { maxWaitTime: 10, minBytes: 65_536 };
  it('keeps the member’s wait and size while records flow, asks for any record after none', () => {
    expect(nextFetch(own, 500, false)).toEqual(own);
    expect(nextFetch(own, 500, true)).toEqual({ maxWaitTime: 500, minBytes: 1 });
    // An idle wait shorter than the member's own never shortens it.
    expect(nextFetch({ maxWaitTime: 1000, minBytes: 1 }, 500, true).maxWaitTime).toBe(1000);
  });
  it('counts a fetch with any record, control records included, as bringing something', () => {
    expect(broughtNothing([{ rawMessages: [] }, { rawMessages: [] }])).toBe(true);
    expect(broughtNothing([{ rawMessages: [] }, { rawMessages: [{}] }])).toBe(false);
    expect(broughtNothing([])).toBe(true);
  });
});

describe('idle fetch wait, on a real broker', () => {
  const topic = uniqueName('idle-fetch');
  const groupId = uniqueName('idle-fetch-group');
  const IDLE_MS = 600;
  let stop: (() => Promise<void>) | undefined;
  afterAll(async () => stop?.());

  it('holds empty fetches for the idle wait, and a record produced meanwhile still arrives', async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }], log);
    setIdleFetchWait(groupId, IDLE_MS);
    // The member's own settings: 10 ms at most, for 64 KiB (live-push's).
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 10, minBytes: 65_536 });
    const producer = kafka.producer();
    await Promise.all([consumer.connect(), producer.connect()]);
    stop = async () => {
      await Promise.all([consumer.disconnect(), producer.disconnect()]);
    };
    const fetches: number[] = [];
    const fetchWaiters: (() => void)[] = [];
    consumer.on(consumer.events.FETCH, (e) => {
      fetches.push(e.payload.duration);
      fetchWaiters.splice(0).forEach((w) => w());
    });
    const fetchesAfter = async (n: number) => {
      const from = fetches.length;
      while (fetches.length < from + n) await new Promise<void>((r) => fetchWaiters.push(r));
      return fetches.slice(from, from + n);
    };
    const seen: string[] = [];
    const seenWaiters: (() => void)[] = [];
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
        seenWaiters.splice(0).forEach((w) => w());
      },
    });
    const arrival = async (value: string) => {
      while (!seen.includes(value)) await new Promise<void>((r) => seenWaiters.push(r));
    };

    await producer.send({ topic, messages: [{ key: 'k1', value: 'first' }] });
    await arrival('first');
    // Nothing more to read: after the first empty fetch, each is held by the broker for the
    // idle wait (a 10 ms wait would answer after about 10 ms).
    const idle = await fetchesAfter(4);
    expect(idle.slice(1).every((ms) => ms >= IDLE_MS * 0.8)).toBe(true);

    // One held fetch is answered by the record it waited for.
    await producer.send({ topic, messages: [{ key: 'k2', value: 'second' }] });
    await arrival('second');
    expect(seen).toEqual(['first', 'second']);
  });
});
