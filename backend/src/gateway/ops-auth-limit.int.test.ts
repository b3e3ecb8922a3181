import { Agent, request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { recordFault } from '../testing/reliability-ledger.js';
import { createTestContext, testNamespace, TEST_OPS_TOKEN } from '../testing/test-context.js';
import * as gateway from './server.js';

let stopGateway: Awaited<ReturnType<typeof gateway.start>>;
let close: () => Promise<void>;
let http: string;
let ws: string;

beforeAll(async () => {
  const t = await createTestContext(
    ['gateway'],
    testNamespace('ops-auth-limit', { OPS_AUTH_MAX_FAILURES: '3', OPS_AUTH_WINDOW_S: '120' }),
  );
  close = t.close;
  stopGateway = await gateway.start(t.ctx);
  http = `http://127.0.0.1:${stopGateway.port}`;
  ws = `ws://127.0.0.1:${stopGateway.port}/ws/ops`;
});
afterAll(async () => {
  await stopGateway?.();
  await close?.();
});

const get = (path: string, token?: string) =>
  fetch(`${http}${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

/** The HTTP status of a /ws/ops upgrade (101 when it opened). */
const upgrade = (token: string) =>
  new Promise<{ status: number; retryAfter?: string }>((resolve) => {
    const socket = new WebSocket(ws, { headers: { Authorization: `Bearer ${token}` } });
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101 });
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] });
      res.resume();
    });
    socket.once('error', () => undefined);
  });

it('limits wrong ops tokens per address across HTTP and /ws/ops, the right one included', async () => {
  // Requests without a token are not guesses: they never count.
  for (let i = 0; i < 5; i++) expect((await get('/api/ops/lag')).status).toBe(401);
  expect((await get('/api/deliveries', TEST_OPS_TOKEN)).status).toBe(200);

  expect((await get('/api/deliveries', 'wrong-token-1')).status).toBe(401);
  expect((await upgrade('wrong-token-2')).status).toBe(401);
  expect((await get('/api/analytics/summary', 'wrong-token-3')).status).toBe(401);

  const blocked = await get('/api/deliveries', TEST_OPS_TOKEN);
  expect(blocked.status).toBe(429);
  expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(100);
  expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  const ws429 = await upgrade(TEST_OPS_TOKEN);
  expect(ws429.status).toBe(429);
  expect(Number(ws429.retryAfter)).toBeGreaterThan(100);
  // Public endpoints stay open to everyone.
  expect((await fetch(`${http}/healthz`)).status).not.toBe(429);
});

/** A GET from a chosen local source address (all of 127.0.0.0/8 is this machine). */
const getFrom = (localAddress: string, path: string, token: string, forwardedFor?: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      `${http}${path}`,
      {
        localAddress,
        agent,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {}),
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.once('error', reject);
    req.end();
  });
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

it('1,000 wrong tokens from one address: 429 after the limit, the right token from another still works', async () => {
  const statuses = new Map<number, number>();
  for (let i = 0; i < 1000; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        getFrom('127.0.0.3', '/api/deliveries', `guess-${i + j}`),
      ),
    );
    for (const s of batch) statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  const judged = statuses.get(401) ?? 0;
  const limited = statuses.get(429) ?? 0;
  const blockedRight = await getFrom('127.0.0.3', '/api/deliveries', TEST_OPS_TOKEN);
  const otherAddress = await getFrom('127.0.0.2', '/api/deliveries', TEST_OPS_TOKEN);
  recordFault({
    fault: '1,000 wrong ops tokens from one address',
    runs: 1,
    checked: 1000,
    lost: 0,
    duplicated: 0,
    ok: judged <= 3 && limited >= 997 && blockedRight === 429 && otherAddress === 200,
    note: `${judged} judged, ${limited} answered 429; the right token: 429 from that address, ${otherAddress} from another`,
  });
  // At most the limit's worth of guesses were judged at all; the rest were refused unread.
  expect(judged).toBeLessThanOrEqual(3);
  expect(limited).toBeGreaterThanOrEqual(997);
  expect(blockedRight).toBe(429);
  expect(otherAddress).toBe(200);
  const socket = new WebSocket(ws, {
    localAddress: '127.0.0.2',
    headers: { Authorization: `Bearer ${TEST_OPS_TOKEN}` },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  socket.close();

  // Behind a proxy on this machine, the forwarded address is the one limited.
  for (let i = 0; i < 5; i++)
    await getFrom('127.0.0.4', '/api/deliveries', `guess-${i}`, '203.0.113.7');
  expect(await getFrom('127.0.0.4', '/api/deliveries', TEST_OPS_TOKEN, '203.0.113.7')).toBe(429);
  expect(await getFrom('127.0.0.4', '/api/deliveries', TEST_OPS_TOKEN, '203.0.113.8')).toBe(200);
  agent.destroy();
});
