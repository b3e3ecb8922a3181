import type { Config } from './config.js';
import type { KafkaClient } from './infra/kafka.js';
import type { Logger } from './infra/logger.js';
import type { RedisClient } from './infra/redis.js';

/** What every module gets, as one argument (STYLE.md §2). */
export interface AppContext {
  readonly config: Config;
  readonly log: Logger;
  readonly redis: RedisClient;
  readonly kafka: KafkaClient;
  /** Ends the process for the supervisor to restart: for states we cannot recover from. */
  readonly fatal: (err: Error) => void;
}

/** Undoes a start(); main.ts calls these in reverse order. */
export type Stop = () => Promise<void>;
