// First: fetched batches must go through the corrected read_committed filter.
import '@fleetstream/kafka/read-committed';
import { createRequire } from 'node:module';
import type { KafkaClient } from '@fleetstream/kafka/client';
import { AppError } from '../errors.js';

/** A committed record read from the log (transaction markers and aborted records left out). */
export interface LogRecord {
  partition: number;
  offset: bigint;
  /** The record's Kafka timestamp (the producer's time), epoch ms. */
  timestamp: number;
  value: Buffer | null;
}

export interface PartitionRead {
  records: LogRecord[];
  /** Where the next read of this partition starts. */
  next: bigint;
  /** Nothing more to read now: the fetch came back empty at `next`. */
  atEnd: boolean;
}

/**
 * Reads a topic's partitions from offsets of our choosing, as a consumer outside any group: it
 * joins no group, commits nothing and is invisible to the groups and to ops' lag view. Replay
 * reads the log with it.
 */
export interface LogReader {
  /** Per partition, the log start (`low`) and end (`high`) offsets now. */
  bounds(topic: string): Promise<{ partition: number; low: bigint; high: bigint }[]>;
  /** Per partition, the first offset whose Kafka timestamp is at or after `ts` (the end if none). */
  offsetsForTime(topic: string, ts: number): Promise<Map<number, bigint>>;
  /** The Kafka timestamp of the oldest record still in the topic, or null when it is empty. */
  oldestTime(topic: string): Promise<number | null>;
  /** One fetch of each partition in `from`, starting at its offset. */
  read(
    topic: string,
    from: ReadonlyMap<number, bigint>,
    maxBytesPerPartition?: number,
  ): Promise<Map<number, PartitionRead>>;
  close(): Promise<void>;
}

interface FetchedMessage {
  offset: string;
  timestamp: string;
  value: Buffer | null;
  isControlRecord?: boolean;
}
interface FetchedPartition {
  partition: number;
  messages: FetchedMessage[];
}
interface Broker {
  fetch(request: unknown): Promise<{
    responses: { topicName: string; partitions: FetchedPartition[] }[];
  }>;
}
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(o: { nodeId: string }): Promise<Broker>;
}
type CreateCluster = (o: { allowAutoTopicCreation: boolean; metadataMaxAge: number }) => Cluster;

const require = createRequire(import.meta.url);
const Batch = require('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: unknown,
) => { messages: FetchedMessage[]; messagesWithinOffset: FetchedMessage[] };
const READ_COMMITTED = 1;
/** kafkajs keeps the cluster factory behind a private symbol; a consumer without a group needs it. */
function clusterOf(kafka: KafkaClient): Cluster {
  const key = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const create = key && (kafka as unknown as Record<symbol, CreateCluster | undefined>)[key];
  if (typeof create !== 'function')
    throw new Error('this kafkajs has no cluster factory where 2.2.4 keeps it');
  return create({ allowAutoTopicCreation: false, metadataMaxAge: 300_000 });
}

const RETRIES = 5;

export function createLogReader(kafka: KafkaClient): LogReader {
  const admin = kafka.admin();
  const cluster = clusterOf(kafka);
  let connected: Promise<void> | null = null;
  const connect = () =>
    (connected ??= Promise.all([admin.connect(), cluster.connect()]).then(() => undefined));
  const known = new Set<string>();

  const bounds: LogReader['bounds'] = async (topic) => {
    await connect();
    return (await admin.fetchTopicOffsets(topic)).map((p) => ({
      partition: p.partition,
      low: BigInt(p.low),
      high: BigInt(p.high),
    }));
  };

  async function fetchOnce(
    topic: string,
    from: ReadonlyMap<number, bigint>,
    maxBytes: number,
  ): Promise<Map<number, PartitionRead>> {
    if (!known.has(topic)) {
      await cluster.addTargetTopic(topic);
      known.add(topic);
    }
    const out = new Map<number, PartitionRead>();
    const leaders = cluster.findLeaderForPartitions(topic, [...from.keys()]);
    await Promise.all(
      Object.entries(leaders).map(async ([nodeId, partitions]) => {
        const broker = await cluster.findBroker({ nodeId });
        const { responses } = await broker.fetch({
          replicaId: -1,
          isolationLevel: READ_COMMITTED,
          maxWaitTime: 0,
          minBytes: 1,
          maxBytes: maxBytes * partitions.length,
          topics: [
            {
              topic,
              partitions: partitions.map((partition) => ({
                partition,
                fetchOffset: String(from.get(partition)),
                maxBytes,
              })),
            },
          ],
        });
        for (const data of responses.flatMap((r) => r.partitions)) {
          const start = from.get(data.partition)!;
          const batch = new Batch(topic, String(start), data);
          const last = batch.messagesWithinOffset.at(-1);
          out.set(data.partition, {
            records: batch.messages.map((m) => ({
              partition: data.partition,
              offset: BigInt(m.offset),
              timestamp: Number(m.timestamp),
              value: m.value,
            })),
            next: last ? BigInt(last.offset) + 1n : start,
            atEnd: last === undefined,
          });
        }
      }),
    );
    return out;
  }

  return {
    bounds,
    async offsetsForTime(topic, ts) {
      await connect();
      const found = await admin.fetchTopicOffsetsByTimestamp(topic, ts);
      return new Map(found.map((p) => [p.partition, BigInt(p.offset)]));
    },
    async oldestTime(topic) {
      const parts = (await bounds(topic)).filter((p) => p.high > p.low);
      if (parts.length === 0) return null;
      const read = await fetchOnce(topic, new Map(parts.map((p) => [p.partition, p.low])), 4096);
      const times = [...read.values()].flatMap((r) =>
        r.records.slice(0, 1).map((m) => m.timestamp),
      );
      return times.length > 0 ? Math.min(...times) : null;
    },
    async read(topic, from, maxBytesPerPartition = 256 * 1024) {
      await connect();
      for (let attempt = 0; ; attempt++) {
        try {
          return await fetchOnce(topic, from, maxBytesPerPartition);
        } catch (err) {
          // Retention may delete what a replay was about to read: start again at the log start.
          if ((err as Error).name === 'KafkaJSOffsetOutOfRange') {
            const lows = new Map((await bounds(topic)).map((p) => [p.partition, p.low]));
            from = new Map(
              [...from].map(([p, o]) => [p, o < (lows.get(p) ?? 0n) ? lows.get(p)! : o]),
            );
          } else if (!(err as { retriable?: boolean }).retriable || attempt >= RETRIES) {
            throw err;
          } else {
            // A leader moved (or a broker went): learn where the partitions are now.
            await cluster.refreshMetadata();
            await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
          }
          if (attempt >= RETRIES) throw err;
        }
      }
    },
    async close() {
      await Promise.allSettled([admin.disconnect(), cluster.disconnect()]);
    },
  };
}

/**
 * The committed records of one partition from offset `from` up to (not including) `to`, read in
 * fetches of up to 1 MiB; `to` must be at most the partition's last stable offset. Records
 * retention has deleted are not there: it starts at the log start then. Throws (retriable) when
 * a fetch comes back short of `to`, rather than return part of the range.
 */
export async function readRange(
  reader: LogReader,
  topic: string,
  partition: number,
  from: bigint,
  to: bigint,
): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (let at = from; at < to;) {
    const read = (await reader.read(topic, new Map([[partition, at]]), 1024 * 1024)).get(partition);
    if (!read || read.atEnd || read.next <= at)
      throw new AppError(
        'KAFKA_UNAVAILABLE',
        `${topic}/${partition}: the log ended at ${at}, before ${to}`,
        { retriable: true },
      );
    for (const r of read.records) if (r.offset >= at && r.offset < to) out.push(r);
    at = read.next;
  }
  return out;
}
