import { spawn } from 'node:child_process';
import { tsNodeArgs } from '../node-tasks.js';
import type { FleetStats } from './open-loop-fleet.js';

type Command =
  { type: 'fleet'; drivers: number; hz: number } | { type: 'stats' } | { type: 'stop' };
export type GeneratorCommand = Command & { id: number };

export type GeneratorReply =
  { id: number; type: 'ok' } | { id: number; type: 'stats'; stats: FleetStats };

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
  const child = spawn(
    process.execPath,
    tsNodeArgs('infra/src/bench/load-generator-process.ts', [o.brokers, o.topic, o.tag]),
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const pid = child.pid ?? -1;
  const kill = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', kill);
  let nextId = 1;
  const waiting = new Map<number, (r: GeneratorReply) => void>();
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  let exited: string | null = null;
  child.on('message', (raw) => {
    const r = raw as GeneratorReply;
    if (r.id === 0) ready();
    waiting.get(r.id)?.(r);
    waiting.delete(r.id);
  });
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exit ${code ?? signal}`;
      process.removeListener('exit', kill);
      for (const w of waiting.values()) w({ id: -1, type: 'ok' });
      resolve();
    }),
  );
  const ask = (c: Command) =>
    new Promise<GeneratorReply>((resolve, reject) => {
      if (exited) return reject(new Error(`load generator is gone (${exited})`));
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ ...c, id });
    });
  await Promise.race([
    started,
    gone.then(() => {
      throw new Error(`load generator did not start (${exited})`);
    }),
  ]);
  return {
    pid,
    async setFleet(drivers, hz) {
      await ask({ type: 'fleet', drivers, hz });
    },
    async stats() {
      const r = await ask({ type: 'stats' });
      if (r.type !== 'stats') throw new Error('load generator is gone');
      return r.stats;
    },
    async stop() {
      if (exited) return;
      const timer = setTimeout(kill, 30_000);
      await ask({ type: 'stop' }).catch(() => undefined);
      await gone;
      clearTimeout(timer);
    },
  };
}
