// First: kafkajs's consumer must load the corrected read_committed filter.
import './read-committed.js';
// And its request queues must not poll every millisecond while idle.
import './request-queue.js';
import { Kafka, logLevel, type LogEntry, type RetryOptions, type SASLOptions } from 'kafkajs';

export type KafkaClient = Kafka;

/** Where kafkajs's own log lines go: any logger taking (fields, message), such as pino's. */
export interface KafkaLog {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

const levels: Record<number, keyof KafkaLog> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** SASL credentials for a secured (e.g. managed) cluster. */
export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  /** kafkajs's warnings and errors. @default none: the caller reports failures itself */
  log?: KafkaLog;
  /** TLS to the brokers, with the system's CAs. @default false */
  ssl?: boolean;
  /** @default none */
  sasl?: KafkaSasl | null;
  /** @default kafkajs's 1 s */
  connectionTimeout?: number;
  /** Retries of each request. @default 10, from 200 ms up to 10 s apart */
  retry?: RetryOptions;
}

/** A kafkajs client: the one way every fleetstream process makes one. */
export function createKafka(o: KafkaClientOptions): KafkaClient {
  const log = o.log;
  return new Kafka({
    clientId: o.clientId,
    brokers: [...o.brokers],
    ssl: o.ssl ?? false,
    // Each mechanism takes the same username and password; kafkajs types them one by one.
    ...(o.sasl ? { sasl: { ...o.sasl } as SASLOptions } : {}),
    ...(o.connectionTimeout ? { connectionTimeout: o.connectionTimeout } : {}),
    retry: o.retry ?? { initialRetryTime: 200, retries: 10, maxRetryTime: 10_000 },
    logLevel: log ? logLevel.WARN : logLevel.NOTHING,
    ...(log && {
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          const { message, ...rest } = entry;
          log[levels[level] ?? 'info'](rest, message);
        },
    }),
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ReachOptions {
  /** Connection attempts before giving up, with doubling back-off from 500 ms. @default 6 */
  attempts?: number;
  /** Told about each failed attempt, so a person sees why start-up is slow. */
  onRetry?: (info: { attempt: number; attempts: number; delayMs: number; error: Error }) => void;
}

/**
 * Waits until the cluster answers a metadata request, trying `attempts` times; rejects with the
 * last error. For tools that start before the brokers (the simulator beside `npm start`).
 */
export async function reachCluster(kafka: KafkaClient, o: ReachOptions = {}): Promise<void> {
  const attempts = o.attempts ?? 6;
  let delayMs = 500;
  for (let attempt = 1; ; attempt++) {
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.listTopics();
      return;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (attempt >= attempts) throw error;
      o.onRetry?.({ attempt, attempts, delayMs, error });
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 8_000);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
