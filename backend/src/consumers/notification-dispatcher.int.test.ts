import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NotificationRecord } from '@fleetstream/contracts';
import { createNotificationSink } from '../infra/notification-sinks.js';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { startSinkDispatcher, type DispatcherStats } from './notification-dispatcher.js';

// The customer's webhook: down (503) until told otherwise; it refuses one notification (422).
let up = false;
let callsWhileDown = 0;
const received = new Map<string, number>();
const hook = http.createServer((req, res) => {
  const key = String(req.headers['idempotency-key']);
  req.resume();
  req.on('end', () => {
    if (!up) {
      callsWhileDown++;
      return res.writeHead(503).end();
    }
    if (key.endsWith('refused')) return res.writeHead(422).end();
    received.set(key, (received.get(key) ?? 0) + 1);
    res.writeHead(200).end();
  });
});

let t: Awaited<ReturnType<typeof createTestContext>>;
const sinkEnv = (label: string, env: Record<string, string> = {}) =>
  testNamespace(label, {
    NOTIFY_SINK: 'webhook',
    NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
    NOTIFY_WEBHOOK_ATTEMPTS: '2',
    ...env,
  });
beforeAll(async () => {
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  t = await createTestContext(['notifications'], sinkEnv('sink-parking'));
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => hook.close(r));
});

const notification = (i: number, suffix = ''): NotificationRecord => ({
  type: 'notification',
  v: 1,
  id: `dlv-${i}:delivered${suffix}`,
  deliveryId: `dlv-${i}`,
  driverId: `drv-${i}`,
  milestone: 'delivered',
  ts: Date.now(),
  message: 'Your order was delivered.',
});

it('parks what a dead webhook cannot take, without stalling, and delivers it once it is back', async () => {
  const stats: DispatcherStats = { delivered: 0, parked: 0, redelivered: 0, deadLettered: 0 };
  const parked = t.ctx.stores.parked;
  const sink = createNotificationSink(t.ctx.config.notifications.sink, t.ctx.log);
  const stop = await startSinkDispatcher(t.ctx, {
    groupId: `${t.ctx.config.groups.notifications}-sink`,
    sink,
    stats,
  });
  const producer = await t.ctx.producers.start();
  try {
    const all = [
      ...Array.from({ length: 40 }, (_, i) => notification(i)),
      notification(99, ':refused'),
    ];
    await producer.send(
      t.ctx.config.topics.notifications,
      all.map((n) => ({ key: n.deliveryId, value: JSON.stringify(n) })),
    );
    // Every one parked while the webhook is down, and it was not called for each of them.
    await expect
      .poll(async () => (await parked.summary(Date.now())).parked, { timeout: 30_000 })
      .toBe(all.length);
    expect(callsWhileDown).toBeLessThan(10);
    expect((await parked.summary(Date.now())).oldestAgeMs).toBeGreaterThanOrEqual(0);

    up = true;
    // The background retries deliver all but the refused one, which waits for ops.
    await expect
      .poll(async () => (await parked.summary(Date.now())).parked, { timeout: 30_000 })
      .toBe(1);
    expect([...received.keys()].sort()).toEqual(
      all
        .slice(0, 40)
        .map((n) => n.id)
        .sort(),
    );
    expect([...received.values()].every((n) => n === 1)).toBe(true);

    // A redrive tries it again: refused again, it stays parked, nothing is lost.
    expect(await parked.redriveAll(Date.now())).toBe(1);
    await expect.poll(() => stats.redelivered, { timeout: 10_000 }).toBe(40);
    expect((await parked.summary(Date.now())).parked).toBe(1);
  } finally {
    await producer.stop();
    await stop();
  }
});

it('dead-letters what stays undelivered past NOTIFY_PARKED_DEAD_AFTER_S, and a redrive still delivers it', async () => {
  up = false;
  const d = await createTestContext(
    ['notifications'],
    sinkEnv('sink-dead', { NOTIFY_PARKED_DEAD_AFTER_S: '2' }),
  );
  const stats: DispatcherStats = { delivered: 0, parked: 0, redelivered: 0, deadLettered: 0 };
  const parked = d.ctx.stores.parked;
  const stop = await startSinkDispatcher(d.ctx, {
    groupId: `${d.ctx.config.groups.notifications}-sink`,
    sink: createNotificationSink(d.ctx.config.notifications.sink, d.ctx.log),
    stats,
  });
  const producer = await d.ctx.producers.start();
  try {
    const all = Array.from({ length: 3 }, (_, i) => notification(200 + i));
    await producer.send(
      d.ctx.config.topics.notifications,
      all.map((n) => ({ key: n.deliveryId, value: JSON.stringify(n) })),
    );
    // Retried while down (the first retry 5 s after parking), then given up on: dead, kept.
    await expect
      .poll(async () => (await parked.summary(Date.now())).dead, { timeout: 30_000 })
      .toBe(3);
    expect(stats.deadLettered).toBe(3);
    expect((await parked.summary(Date.now())).parked).toBe(3);

    up = true;
    expect(await parked.redriveAll(Date.now())).toBe(3);
    await expect
      .poll(async () => (await parked.summary(Date.now())).parked, { timeout: 15_000 })
      .toBe(0);
    for (const n of all) expect(received.get(n.id)).toBe(1);
  } finally {
    await producer.stop();
    await stop();
    await d.close();
  }
});
