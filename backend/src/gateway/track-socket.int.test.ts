import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PositionRecord, TrackServerMessage, TripRecord } from '@fleetstream/contracts';
import { signTrackingToken } from '../domain/tracking-token.js';
import { createDeliveryStore, type DeliveryStore } from '../infra/delivery-store.js';
import {
  createTestContext,
  testNamespace,
  TEST_OPS_TOKEN,
  TEST_TRACKING_SECRET,
} from '../testing/test-context.js';
import * as gateway from './server.js';

const env = testNamespace('ws-auth');
let stopGateway: Awaited<ReturnType<typeof gateway.start>>;
let store: DeliveryStore;
let close: () => Promise<void>;
let base: string;

const assigned = (deliveryId: string, seq: number): TripRecord => ({
  type: 'trip',
  v: 1,
  driverId: `drv-${deliveryId}`,
  deliveryId,
  seq,
  ts: Date.now(),
  status: 'assigned',
  pickup: { lat: 52.5, lng: 13.4 },
  dropoff: { lat: 52.51, lng: 13.41 },
});
const position = (deliveryId: string, seq: number): PositionRecord & { deliveryId: string } => ({
  type: 'position',
  v: 1,
  driverId: `drv-${deliveryId}`,
  deliveryId,
  seq,
  ts: Date.now(),
  lat: 52.5 + seq * 1e-5,
  lng: 13.4,
  speedMps: 5,
  headingDeg: 0,
  accuracyM: 5,
});

beforeAll(async () => {
  const t = await createTestContext(['gateway'], env);
  close = t.close;
  store = createDeliveryStore(t.ctx.redis, { prefix: t.ctx.config.redis.prefix });
  stopGateway = await gateway.start(t.ctx);
  base = `ws://127.0.0.1:${stopGateway.port}/ws/track`;
  await store.applyTrip(assigned('dlv-a', 1), Date.now());
  await store.applyTrip(assigned('dlv-b', 1), Date.now());
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
  ])('refuses %s at the upgrade', async (_name, url, status) => {
    expect(await upgradeStatus(url())).toBe(status);
  });

  it('refuses a foreign browser origin with 403 and accepts its own', async () => {
    const url = `${base}?deliveryId=dlv-a&t=${tokenFor('dlv-a')}`;
    expect(await upgradeStatus(url, { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { Origin: `http://127.0.0.1:${stopGateway.port}` })).toBe(101);
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
      await store.applyPosition(position('dlv-b', seq), Date.now());
      await store.applyPosition(position('dlv-a', seq), Date.now());
    }
    await expect.poll(() => frames.length).toBe(21);
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
    expect(await closeCode((ws) => ws.send('x'.repeat(64 * 1024)))).toBe(1009);
    expect(await closeCode((ws) => Array.from({ length: 50 }, () => ws.send('{}')))).toBe(1008);
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
    expect(big.status).toBe(413);
    const bad = await post('{"not json');
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });
});
