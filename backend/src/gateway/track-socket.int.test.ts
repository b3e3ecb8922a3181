import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TrackServerMessage } from '@fleetstream/contracts';
import { signTrackingToken } from '../domain/tracking-token.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import { recordFault } from '../testing/reliability-ledger.js';
import {
  createTestContext,
  testNamespace,
  TEST_OPS_TOKEN,
  TEST_TRACKING_SECRET,
} from '../testing/test-context.js';
import { assignedTrip, deliveryPosition } from '../testing/fixtures.js';
import * as gateway from './server.js';

const env = testNamespace('ws-auth');
const AUTH_FAULT = 'WebSocket: bad/forged/expired tokens, foreign Origin, cross-delivery';
let stopGateway: Awaited<ReturnType<typeof gateway.start>>;
let store: DeliveryStore;
let close: () => Promise<void>;
let base: string;

beforeAll(async () => {
  const t = await createTestContext(['gateway'], env);
  close = t.close;
  store = t.ctx.stores.deliveries;
  stopGateway = await gateway.start(t.ctx);
  base = `ws://127.0.0.1:${stopGateway.port}/ws/track`;
  await store.applyTrip(assignedTrip('dlv-a', 1), Date.now());
  await store.applyTrip(assignedTrip('dlv-b', 1), Date.now());
});
afterAll(async () => {
  await stopGateway();
  await close();
});

/** The HTTP status of a refused upgrade, or 101 when the socket opened. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('error', (err) => reject(err));
  });
}

const tokenFor = (id: string, expiresIn = 60_000) =>
  signTrackingToken(TEST_TRACKING_SECRET, id, Date.now() + expiresIn);

describe('customer WebSocket authentication', () => {
  it.each([
    ['a missing token', () => `${base}?deliveryId=dlv-a`, 401],
    [
      'a forged token',
      () =>
        `${base}?deliveryId=dlv-a&t=${signTrackingToken('forged-secret-forged-secret-forged!', 'dlv-a', Date.now() + 60_000)}`,
      401,
    ],
    ['an expired token', () => `${base}?deliveryId=dlv-a&t=${tokenFor('dlv-a', -1000)}`, 401],
    [
      "delivery A's token for delivery B",
      () => `${base}?deliveryId=dlv-b&t=${tokenFor('dlv-a')}`,
      403,
    ],
    ['no delivery id', () => `${base}?t=${tokenFor('dlv-a')}`, 400],
  ])('refuses %s at the upgrade', async (name, url, status) => {
    const got = await upgradeStatus(url());
    recordFault({
      fault: AUTH_FAULT,
      runs: 1,
      checked: 1,
      lost: 0,
      duplicated: 0,
      ok: got === status,
      ...(got === status ? {} : { note: `${name}: ${got} instead of ${status}` }),
    });
    expect(got).toBe(status);
  });

  it('refuses a foreign browser origin with 403 and accepts its own', async () => {
    const url = `${base}?deliveryId=dlv-a&t=${tokenFor('dlv-a')}`;
    const foreign = await upgradeStatus(url, { Origin: 'https://evil.example' });
    const own = await upgradeStatus(url, { Origin: `http://127.0.0.1:${stopGateway.port}` });
    recordFault({
      fault: AUTH_FAULT,
      runs: 1,
      checked: 1,
      lost: 0,
      duplicated: 0,
      ok: foreign === 403 && own === 101,
      ...(foreign === 403 && own === 101
        ? {}
        : { note: `foreign Origin ${foreign}, own Origin ${own}` }),
    });
    expect(foreign).toBe(403);
    expect(own).toBe(101);
  });

  it('sends a snapshot, then only its own delivery: zero frames of another', async () => {
    const frames: TrackServerMessage[] = [];
    const ws = new WebSocket(`${base}?deliveryId=dlv-a&t=${tokenFor('dlv-a')}`);
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as TrackServerMessage));
    await expect.poll(() => frames.length).toBeGreaterThan(0);
    expect(frames[0]).toMatchObject({
      type: 'snapshot',
      delivery: { deliveryId: 'dlv-a', status: 'assigned' },
    });

    for (let seq = 2; seq <= 21; seq++) {
      await store.applyPosition(deliveryPosition('dlv-b', seq), Date.now());
      await store.applyPosition(deliveryPosition('dlv-a', seq), Date.now());
    }
    await expect.poll(() => frames.length).toBe(21);
    const foreignFrames = frames.filter(
      (f) =>
        f.type !== 'heartbeat' &&
        (f.type === 'snapshot' ? f.delivery.deliveryId : f.deliveryId) !== 'dlv-a',
    ).length;
    const own = frames.flatMap((f) =>
      f.type === 'position' && f.deliveryId === 'dlv-a' ? [f.seq] : [],
    );
    recordFault({
      fault: AUTH_FAULT,
      runs: 1,
      checked: 20,
      lost: 20 - new Set(own).size,
      duplicated: own.length - new Set(own).size,
      ok: foreignFrames === 0,
      note: `${foreignFrames} of 20 positions of another delivery reached a connected customer`,
    });
    expect(frames.slice(1).map((f) => (f.type === 'position' ? f.seq : -1))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
    expect(
      frames.every(
        (f) =>
          f.type === 'heartbeat' ||
          (f.type === 'snapshot' ? f.delivery.deliveryId : f.deliveryId) === 'dlv-a',
      ),
    ).toBe(true);
    ws.close();
  });

  it('closes with 4404 for a valid token of an unknown delivery', async () => {
    const ws = new WebSocket(`${base}?deliveryId=dlv-nobody&t=${tokenFor('dlv-nobody')}`);
    const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    expect(code).toBe(4404);
  });

  it('closes with 1009 on a frame over maxPayload and 1008 on a flood', async () => {
    const closeCode = (send: (ws: WebSocket) => void) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${base}?deliveryId=dlv-a&t=${tokenFor('dlv-a')}`);
        ws.once('message', () => send(ws));
        ws.once('close', (code) => resolve(code));
      });
    const oversize = await closeCode((ws) => ws.send('x'.repeat(64 * 1024)));
    const flood = await closeCode((ws) => Array.from({ length: 50 }, () => ws.send('{}')));
    recordFault({
      fault: 'WebSocket: oversize frames (1009) and floods (1008)',
      runs: 2,
      checked: 2,
      lost: 0,
      duplicated: 0,
      ok: oversize === 1009 && flood === 1008,
      note: `a 64 KiB frame closed with ${oversize}, 50 messages at once with ${flood}`,
    });
    expect(oversize).toBe(1009);
    expect(flood).toBe(1008);
  });
});

describe('HTTP hardening', () => {
  const http = () => `http://127.0.0.1:${stopGateway.port}`;
  it('sends security headers', async () => {
    const res = await fetch(`${http()}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
  it('refuses oversized bodies with 413 and bad JSON with 400, without stack traces', async () => {
    const post = (body: string) =>
      fetch(`${http()}/api/ops/groups/x/pause`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_OPS_TOKEN}` },
        body,
      });
    const big = await post(JSON.stringify({ pad: 'x'.repeat(100_000) }));
    const bad = await post('{"not json');
    const text = await bad.text();
    const stack = /at .*\.(js|ts):\d+/.test(text);
    const code = (() => {
      try {
        return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        return undefined;
      }
    })();
    recordFault({
      fault: 'HTTP: oversize / invalid bodies',
      runs: 2,
      checked: 2,
      lost: 0,
      duplicated: 0,
      ok: big.status === 413 && bad.status === 400 && !stack && code === 'BAD_REQUEST',
      note: `100 kB body ${big.status}, bad JSON ${bad.status} ${code ?? 'no code'}${stack ? ' WITH a stack trace' : ''}`,
    });
    expect(big.status).toBe(413);
    expect(bad.status).toBe(400);
    expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });
});
