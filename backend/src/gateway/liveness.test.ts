import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { WebSocketServer } from 'ws';
import { keepAlive, PING_SLICE_MS } from './liveness.js';

/** A client that answers its pings or not, and records when it was pinged and terminated. */
class FakeClient extends EventEmitter {
  pings: number[] = [];
  terminatedAt: number | null = null;
  constructor(
    private readonly server: { clients: Set<FakeClient> },
    public answers: boolean,
  ) {
    super();
  }
  ping() {
    this.pings.push(Date.now());
    if (this.answers) queueMicrotask(() => this.emit('pong'));
  }
  terminate() {
    this.terminatedAt = Date.now();
    this.server.clients.delete(this);
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function serverWith(answering: number, silent: number) {
  const server = { clients: new Set<FakeClient>() };
  for (let i = 0; i < answering + silent; i++)
    server.clients.add(new FakeClient(server, i < answering));
  return server;
}

it('pings every client once an interval, a slice of them at a time rather than all at once', async () => {
  const server = serverWith(1000, 0);
  const clients = [...server.clients];
  const interval = 1000;
  const stop = keepAlive(server as unknown as WebSocketServer, interval).stop;
  const perSlice: number[] = [];
  // The first round meets the clients; each later one pings them.
  for (let t = 0; t < 4 * interval; t += PING_SLICE_MS) {
    const before = clients.reduce((n, c) => n + c.pings.length, 0);
    await vi.advanceTimersByTimeAsync(PING_SLICE_MS);
    perSlice.push(clients.reduce((n, c) => n + c.pings.length, 0) - before);
  }
  stop();
  expect(clients.every((c) => c.pings.length === 3)).toBe(true);
  // 1,000 clients over the 10 slices of an interval: 100 a slice, never all of them at once.
  expect(Math.max(...perSlice)).toBe(100);
  for (const c of clients) {
    const gaps = c.pings.slice(1).map((t, i) => t - c.pings[i]!);
    expect(gaps.every((g) => g === interval)).toBe(true);
  }
});

it('terminates a client that does not answer within two intervals, keeps those that do, and pings one that joins', async () => {
  const server = serverWith(50, 50);
  const interval = 1000;
  const silent: string[] = [];
  const heartbeats = new Set<unknown>();
  const stop = keepAlive(server as unknown as WebSocketServer, interval, {
    onSilent: () => silent.push('x'),
    beforePing: (ws) => heartbeats.add(ws) !== undefined,
  }).stop;
  await vi.advanceTimersByTimeAsync(interval / 2);
  const late = new FakeClient(server, false);
  server.clients.add(late);
  await vi.advanceTimersByTimeAsync(3 * interval);
  stop();
  const all = [...server.clients, late];
  expect(silent).toHaveLength(51);
  expect(all.filter((c) => c.answers).every((c) => c.terminatedAt === null)).toBe(true);
  for (const c of all.filter((x) => !x.answers)) {
    expect(c.terminatedAt).not.toBeNull();
    expect(c.terminatedAt! - c.pings[0]!).toBeLessThanOrEqual(2 * interval);
  }
  // The one that joined half-way through a round: not pinged in that round, gone within three.
  expect(late.pings[0]).toBeGreaterThanOrEqual(interval);
  expect(late.terminatedAt! - interval / 2).toBeLessThanOrEqual(3 * interval);
  expect(late.terminatedAt).toBeLessThanOrEqual(3 * interval);
  expect(heartbeats.size).toBe(101);
});
