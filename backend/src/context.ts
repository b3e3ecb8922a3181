import type { Config } from './config.js';
import type { Adapters } from './infra/adapters.js';
import type { Logger } from './infra/logger.js';

/**
 * What every module gets, as one argument (STYLE.md §2): the config, the logger, and Kafka and
 * Redis only through small adapters built once (§13), never the raw clients.
 */
export interface AppContext extends Adapters {
  readonly config: Config;
  readonly log: Logger;
  /** Ends the process for the supervisor to restart: for states we cannot recover from. */
  readonly fatal: (err: Error) => void;
}

/** Undoes a start(); main.ts calls these in reverse order. */
export type Stop = () => Promise<void>;
