import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FleetViewport, TripStatus } from '@fleetstream/contracts';
import type { Config } from '../config.js';
import type { Logger } from '../infra/logger.js';
import type { ReplayDelivery } from './replay-players.js';
import type { ReplayRequest } from './replay-socket.js';

/** From the gateway to its replay worker. */
export type ToWorker =
  | { type: 'open'; id: number; request: ReplayRequest; delivery: ReplayDelivery | null }
  | { type: 'control'; id: number; data: string }
  /** The browser's socket has too much queued (hold) or has drained (release). */
  | { type: 'hold'; id: number; hold: boolean }
  /** The browser went away. */
  | { type: 'gone'; id: number }
  /** A fleet map opened (`id`), moved its viewport, or closed. */
  | { type: 'fleet-watch'; id: number }
  | { type: 'fleet-viewport'; id: number; viewport: FleetViewport }
  | { type: 'fleet-unwatch'; id: number }
  /** Delivery statuses the gateway's store knows, for couriers whose trip event is older. */
  | { type: 'fleet-seed'; deliveries: [string, string, TripStatus][] };

/** From the worker to the gateway. */
export type FromWorker =
  | { type: 'send'; id: number; data: string }
  | { type: 'close'; id: number; code: number; reason: string }
  | { type: 'done'; id: number };

export interface ReplayOutlet {
  send(data: string): void;
  close(code: number, reason: string): void;
  /** The replay has ended, whatever the reason. */
  done(): void;
}

/** The worker file next to this one: .ts when running from source (tsx), .js when built. */
const here = fileURLToPath(import.meta.url);
const workerFile = here.replace(/log-worker-host\.(ts|js)$/, 'log-worker.$1');
const fromSource = workerFile.endsWith('.ts');

/**
 * Runs the gateway's replays and its fleet view in one worker thread, started when first
 * needed: opens them, passes controls, viewports and back-pressure in, and what they send out. If the worker dies, its
 * replays end (their browsers see the socket close) and the next replay starts a new one.
 */
export function createLogWorkerHost(config: Config, log: Logger) {
  let worker: Worker | null = null;
  let nextId = 1;
  const outlets = new Map<number, ReplayOutlet>();

  const start = () => {
    // From source, the worker registers tsx itself: loader flags in execArgv do not reach it.
    const w = fromSource
      ? new Worker(
          `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(workerFile).href)}); });`,
          {
            eval: true,
            workerData: { config },
            // `node --cpu-prof` on the gateway profiles its replays too.
            execArgv: [
              ...process.execArgv.filter((a) => a.startsWith('--cpu-prof')),
              '--conditions=source',
            ],
          },
        )
      : new Worker(workerFile, { workerData: { config } });
    w.on('message', (m: FromWorker) => {
      const outlet = outlets.get(m.id);
      if (!outlet) return;
      if (m.type === 'send') outlet.send(m.data);
      else if (m.type === 'close') outlet.close(m.code, m.reason);
      else {
        outlets.delete(m.id);
        outlet.done();
      }
    });
    const lost = (why: string) => {
      if (worker !== w) return;
      worker = null;
      log.error({ why }, 'the replay worker stopped; its replays end');
      for (const [id, outlet] of outlets) {
        outlets.delete(id);
        outlet.close(1011, 'replay unavailable');
        outlet.done();
      }
    };
    w.on('error', (err) => lost(err.message));
    w.on('exit', (code) => lost(`exit ${code}`));
    return w;
  };
  const post = (m: ToWorker) => (worker ??= start()).postMessage(m);

  return {
    open(request: ReplayRequest, delivery: ReplayDelivery | null, outlet: ReplayOutlet): number {
      const id = nextId++;
      outlets.set(id, outlet);
      post({ type: 'open', id, request, delivery });
      return id;
    },
    control: (id: number, data: string) => outlets.has(id) && post({ type: 'control', id, data }),
    hold: (id: number, hold: boolean) => outlets.has(id) && post({ type: 'hold', id, hold }),
    gone: (id: number) => outlets.has(id) && post({ type: 'gone', id }),
    /** A fleet map: snapshots of its viewport go to `outlet` about once a second. */
    watchFleet(outlet: ReplayOutlet, seed: [string, string, TripStatus][]): number {
      const id = nextId++;
      outlets.set(id, outlet);
      post({ type: 'fleet-seed', deliveries: seed });
      post({ type: 'fleet-watch', id });
      return id;
    },
    fleetViewport: (id: number, viewport: FleetViewport) =>
      outlets.has(id) && post({ type: 'fleet-viewport', id, viewport }),
    unwatchFleet(id: number): void {
      if (outlets.delete(id)) post({ type: 'fleet-unwatch', id });
    },
    async close(): Promise<void> {
      const w = worker;
      worker = null;
      await w?.terminate();
    },
  };
}
