import { startChild } from './child-rpc.js';
import type { FleetStats } from './open-loop-fleet.js';

export type GeneratorCommand =
  { type: 'fleet'; drivers: number; hz: number } | { type: 'stats' } | { type: 'stop' };
export type GeneratorReply = FleetStats | null;

export interface LoadGenerator {
  readonly pid: number;
  /** Changes the fleet at once (the next slots follow the new size and rate). */
  setFleet(drivers: number, hz: number): Promise<void>;
  stats(): Promise<FleetStats>;
  /** Sends what is queued and ends the process. */
  stop(): Promise<void>;
}

/**
 * Starts the open-loop load generator as its own process, producing to `topic` with driver
 * and delivery ids tagged `tag` (dlv-<tag>-<n>), so scenarios on one stack never share state.
 */
export async function startLoadGenerator(o: {
  brokers: string;
  topic: string;
  tag: string;
}): Promise<LoadGenerator> {
  const child = await startChild<GeneratorCommand, GeneratorReply>(
    'load generator',
    'bench/src/load-generator-process.ts',
    [o.brokers, o.topic, o.tag],
  );
  return {
    pid: child.pid,
    async setFleet(drivers, hz) {
      await child.ask({ type: 'fleet', drivers, hz });
    },
    async stats() {
      const s = await child.ask({ type: 'stats' });
      if (!s) throw new Error('load generator sent no stats');
      return s;
    },
    stop: () => child.stop({ type: 'stop' }),
  };
}
