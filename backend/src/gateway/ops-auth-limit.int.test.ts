import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
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
