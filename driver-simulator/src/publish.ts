import { createKafka, reachCluster, type ReachOptions } from '@fleetstream/kafka/client';
import { startProducer, type OutgoingRecord } from '@fleetstream/kafka/producer';
import { ensureTopics, locationTopic } from '@fleetstream/kafka/topics';
import { encodeLocationRecord, type LocationRecord } from '@fleetstream/contracts';
import { PartialSendError } from './simulator.js';

export interface PublisherOptions {
  brokers: string[];
  topic: string;
  /** Partitions to create the topic with, only if it does not exist yet. */
  partitions: number;
  clientId?: string;
  /** Connection attempts before giving up, with doubling back-off from 500 ms. @default 6 */
  connectAttempts?: number;
  /** Told about each failed attempt, so a person sees why start-up is slow. */
  onRetry?: ReachOptions['onRetry'];
}

export interface Publisher {
  /** Whether the topic was created by this publisher (false: it existed). */
  readonly created: boolean;
  /**
   * Sends the records, one produce call per partition; resolves when all are acknowledged,
   * rejects with a {@link PartialSendError} naming the records that were and were not.
   */
  publish(records: readonly LocationRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** Kafka could not be reached or refused the set-up; `brokers` says which. */
export class BrokerUnreachableError extends Error {
  constructor(
    readonly brokers: string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BrokerUnreachableError';
  }
}

/**
 * The simulator's only Kafka code, on the platform's Kafka adapter: the topic is created as
 * every tool creates it (@fleetstream/kafka/topics), and records go through the verified
 * per-partition producer the backend uses. Records are keyed by driverId so each driver's
 * stream stays in order on one partition (Java-compatible murmur2); the producer is idempotent
 * with one request in flight, so retries neither duplicate nor reorder; the device `ts` stays
 * in the value and the Kafka timestamp is left to the producer.
 */
export async function createPublisher(o: PublisherOptions): Promise<Publisher> {
  const kafka = createKafka({
    clientId: o.clientId ?? 'fleetstream-simulator',
    brokers: o.brokers,
    // No log: we report connection problems ourselves, once per attempt, not kafkajs's spam.
    connectionTimeout: 3_000,
    retry: { retries: 0 },
  });
  try {
    await reachCluster(kafka, { attempts: o.connectAttempts, onRetry: o.onRetry });
  } catch (err) {
    throw new BrokerUnreachableError(
      o.brokers,
      `cannot reach Kafka at ${o.brokers.join(', ')} after ${o.connectAttempts ?? 6} attempts: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const { created } = await ensureTopics(kafka, [
    locationTopic({ topic: o.topic, locationPartitions: o.partitions }),
  ]);
  const producer = await startProducer(kafka, {
    // About 80 s of retries: a broker failover (leader election after the controller fences a
    // dead broker, ~10–30 s) must not fail a send, and a failed idempotent send leaves a gap.
    retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
  return {
    created: created.length > 0,
    async publish(records) {
      if (records.length === 0) return;
      const bySent = new Map<OutgoingRecord, LocationRecord>();
      const messages = records.map((r) => {
        const m = { key: r.driverId, value: encodeLocationRecord(r) };
        bySent.set(m, r);
        return m;
      });
      const sent = new Set<LocationRecord>();
      try {
        await producer.send(o.topic, messages, {
          onAcknowledged: (acked) => acked.forEach((m) => sent.add(bySent.get(m)!)),
        });
      } catch (err) {
        throw new PartialSendError(
          records.filter((r) => sent.has(r)),
          records.filter((r) => !sent.has(r)),
          { cause: err },
        );
      }
    },
    close: () => producer.stop(),
  };
}
