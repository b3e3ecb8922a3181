import { randomUUID } from 'node:crypto';
import { assertReadCommittedFixed } from '@fleetstream/kafka/read-committed';
import { quietKafka } from './clients.js';

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, Buffer | undefined>;
}

const client = (brokers: string) => quietKafka('fleetstream-test-readback', brokers);

/**
 * Every committed record of a topic, in partition and offset order, read through the same
 * corrected read_committed filter as the platform's consumers (backend's
 * kafka/src/read-committed.ts; kafkajs 2.2.4's own lets some aborted transactions through).
 */
export async function readTopic(
  brokers: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<ReadRecord[]> {
  assertReadCommittedFixed();
  const kafka = client(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]),
  );
  await admin.disconnect();
  const out: ReadRecord[] = [];
  const position = new Map<number, bigint>();
  const done = () =>
    [...ends].every(([p, end]) => end === 0n || (position.get(p) ?? -1n) >= end - 1n);
  if (done()) return out;
  const consumer = kafka.consumer({
    groupId: `readback-${randomUUID()}`,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const started = Date.now();
    let lastActivity = Date.now();
    // A transactional topic ends with a commit marker no consumer sees: a partition whose last
    // message sits just before its end offset is done, and so is a topic quiet for 3 s.
    const timer = setInterval(() => {
      if (done() || Date.now() - lastActivity > 3000) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`reading ${topic} timed out`));
      }
    }, 200);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        lastActivity = Date.now();
        for (const m of batch.messages)
          out.push({
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString() ?? null,
            value: m.value,
            headers: Object.fromEntries(
              Object.entries(m.headers ?? {}).map(([k, v]) => [
                k,
                (Array.isArray(v) ? v[0] : v) as Buffer | undefined,
              ]),
            ),
          });
        // Transaction markers take offsets too: the last offset seen may sit before the end.
        position.set(batch.partition, BigInt(batch.lastOffset()));
      },
    });
  });
  await consumer.disconnect();
  return out.sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  );
}

/** End offset of each partition of a topic. */
export async function endOffsets(brokers: string, topic: string): Promise<Map<number, number>> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    return new Map(
      (await admin.fetchTopicOffsets(topic)).map((e) => [e.partition, Number(e.high)]),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Total lag of a group on a topic: end − committed over all partitions (no commit counts all).
 * With `ends`, the lag behind those offsets instead (e.g. the ends when a fault stopped).
 */
export async function groupLag(
  brokers: string,
  groupId: string,
  topic: string,
  ends?: ReadonlyMap<number, number>,
): Promise<number> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, e) => {
      const c = Number(
        committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1,
      );
      const end = ends?.get(e.partition) ?? Number(e.high);
      return sum + Math.max(0, end - Math.max(c, Number(e.low)));
    }, 0);
  } finally {
    await admin.disconnect();
  }
}
