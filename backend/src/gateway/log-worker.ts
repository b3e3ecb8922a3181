/**
 * The replays and the live fleet view of one gateway, in a worker thread: reading the log, decoding and pacing cost
 * about 15 µs a record, and a fleet at 60× is tens of thousands of records a second. Here they
 * cannot hold up the gateway's event loop, which keeps serving live customers; the gateway
 * only forwards what the worker sends.
 */
import { EventEmitter } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { createClusterViews, openKafka } from '../infra/kafka-adapters.js';
import { createLogger } from '../infra/logger.js';
import {
  deliveryPlayer,
  fleetPlayer,
  type Made,
  type ReplayDelivery,
  type ReplayPlan,
} from './replay-players.js';
import { createFleetWatch } from './fleet-watch.js';
import { runReplaySession, type ReplaySocket } from './replay-session.js';
import type { ReplayRequest } from './replay-socket.js';
import type { FromWorker, ToWorker } from './log-worker-host.js';

const port = parentPort!;
const { config } = workerData as { config: Config };
const log = createLogger({ ...config.log, name: 'gateway-replay' });
const cluster = createClusterViews(openKafka(config, log, `${config.kafka.clientId}-replay`));
const post = (m: FromWorker) => port.postMessage(m);

/** Stands in for the browser's socket: what is sent goes to the gateway, which sends it on. */
class WorkerSocket extends EventEmitter implements ReplaySocket {
  readonly OPEN = 1;
  readyState = 1;
  /** Set by the gateway while the real socket has more queued than the limit. */
  held = false;
  constructor(readonly id: number) {
    super();
  }
  get bufferedAmount() {
    return this.held ? Number.MAX_SAFE_INTEGER : 0;
  }
  send(data: string) {
    if (this.readyState === this.OPEN) post({ type: 'send', id: this.id, data });
  }
  close(code?: number, reason?: string) {
    if (this.readyState !== this.OPEN) return;
    post({ type: 'close', id: this.id, code: code ?? 1000, reason: reason ?? '' });
    this.gone();
  }
  gone() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close');
  }
}

const sockets = new Map<number, WorkerSocket>();

function fail(
  ws: WorkerSocket,
  error: { code: string; message: string; oldestAvailable: number | null },
) {
  ws.send(JSON.stringify({ type: 'replay-error', ...error }));
  ws.close(1000, error.code);
}

async function play<T>(ws: WorkerSocket, request: ReplayRequest, made: Made<T>): Promise<void> {
  if ('error' in made) return fail(ws, made.error);
  const { player, window } = made;
  await player.seek(window.from);
  await runReplaySession({
    ws,
    start: {
      type: 'replay-start',
      from: window.from,
      to: window.to,
      oldestAvailable: window.oldestAvailable,
      speed: request.speed,
      deliveryId: request.deliveryId,
      ...(window.pickup !== undefined ? { pickup: window.pickup, dropoff: window.dropoff } : {}),
    },
    player,
    // The gateway holds the clock by the real socket's queue (see `held`).
    maxBufferedBytes: 0,
    log,
  });
}

async function serve(
  ws: WorkerSocket,
  request: ReplayRequest,
  delivery: ReplayDelivery | null,
): Promise<void> {
  const reader = cluster.logReader();
  try {
    const plan: ReplayPlan = { config, reader, request, log };
    const send = (m: string) => ws.send(m);
    if (request.deliveryId && delivery)
      await play(ws, request, await deliveryPlayer(plan, request.deliveryId, delivery, send));
    else await play(ws, request, await fleetPlayer(plan, request.from!, request.to!, send));
  } finally {
    await reader.close();
  }
}

let fleet: ReturnType<typeof createFleetWatch> | null = null;
const fleetWatch = () =>
  (fleet ??= createFleetWatch({
    openReader: cluster.logReader,
    config,
    log,
    send: (id, data) => post({ type: 'send', id, data }),
  }));

port.on('message', (m: ToWorker) => {
  if (m.type === 'fleet-watch') return fleetWatch().watch(m.id);
  if (m.type === 'fleet-viewport') return fleetWatch().viewport(m.id, m.viewport);
  if (m.type === 'fleet-unwatch') return fleetWatch().unwatch(m.id);
  if (m.type === 'fleet-seed') return fleetWatch().seed(m.deliveries);
  if (m.type === 'open') {
    const ws = new WorkerSocket(m.id);
    sockets.set(m.id, ws);
    serve(ws, m.request, m.delivery)
      .catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'replay failed');
        fail(ws, {
          code: 'UNAVAILABLE',
          message: 'the log cannot be read now; try again',
          oldestAvailable: null,
        });
      })
      .finally(() => {
        sockets.delete(m.id);
        post({ type: 'done', id: m.id });
      });
    return;
  }
  const ws = sockets.get(m.id);
  if (!ws) return;
  if (m.type === 'control') ws.emit('message', m.data);
  else if (m.type === 'hold') ws.held = m.hold;
  else ws.gone();
});
