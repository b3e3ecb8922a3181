import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { SnapshotMessage } from '@fleetstream/contracts';
import { loadConfig } from '../config.js';
import type { AppContext } from '../context.js';
import { signTrackingToken } from '../domain/tracking-token.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import { testLogger } from '../testing/fixtures.js';
import { Outgoing } from './outgoing.js';
import type { DeliveryListener } from './subscriptions.js';
import { createTrackSocket } from './track-socket.js';

/**
 * The feed and the snapshot come over two Redis connections, so a live message the snapshot
 * already shows can arrive before the snapshot or just after it: a customer must see it once.
 * A store and a feed of our own decide the order here, which real Redis cannot be made to.
 */
const SECRET = 'track-socket-snapshot-secret-of-32+chars';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const position = (rev: number) =>
  new Outgoing(
    Buffer.from(
      JSON.stringify({
        type: 'position',
        deliveryId: 'd1',
        seq: rev,
        rev,
        ts: rev,
        lat: 1,
        lng: 2,
      }),
    ),
  );
const notification = (id: string) =>
  new Outgoing(Buffer.from(JSON.stringify({ type: 'notification', id, kind: 'picked_up' })));
const snapshot = (rev: number, notificationIds: string[]) =>
  ({
    type: 'snapshot',
    seq: rev,
    rev,
    position: null,
    trail: [],
    notifications: notificationIds.map((id) => ({ type: 'notification', id })),
  }) as unknown as SnapshotMessage;

/** A gateway's /ws/track over `snapshotOf`, with the feed's listener handed to the test. */
async function trackServer(snapshotOf: () => Promise<SnapshotMessage>) {
  const config = loadConfig(['gateway'], {
    OPS_TOKEN: 'ops-token-of-16+chars',
    TRACKING_SECRET: SECRET,
  });
  const ctx = { config, log: testLogger() } as unknown as AppContext;
  let listener: DeliveryListener | undefined;
  const subscribed = new Promise<void>((resolve) => {
    const subscriptions = {
      addDelivery: (_id: string, l: DeliveryListener) => {
        listener = l;
        resolve();
        return Promise.resolve(() => undefined);
      },
    };
    const track = createTrackSocket({
      ctx,
      store: { snapshot: snapshotOf } as unknown as DeliveryStore,
      subscriptions: subscriptions as unknown as Parameters<
        typeof createTrackSocket
      >[0]['subscriptions'],
    });
    const server = http.createServer();
    server.on('upgrade', (req, socket, head) => track.handleUpgrade(req, socket, head));
    closers.push(async () => {
      await track.close();
      await new Promise((r) => server.close(r));
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const token = signTrackingToken(SECRET, 'd1', Date.now() + 60_000);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/track?deliveryId=d1&t=${token}`);
      closers.push(async () => void ws.terminate());
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { type: string; rev?: number; id?: string };
        if (m.type !== 'heartbeat') received.push(m.type === 'notification' ? m.id : m.rev);
      });
    });
  });
  const received: unknown[] = [];
  await subscribed;
  return { received, feed: (m: Outgoing) => listener!(m) };
}

it('drops what the snapshot already shows when it arrives after the snapshot', async () => {
  const t = await trackServer(() => Promise.resolve(snapshot(5, ['n1'])));
  await expect.poll(() => t.received).toEqual([5]);
  t.feed(position(4));
  t.feed(position(5));
  t.feed(notification('n1'));
  t.feed(position(6));
  t.feed(notification('n2'));
  t.feed(position(7));
  await expect.poll(() => t.received).toEqual([5, 6, 'n2', 7]);
});

it('drops what the snapshot already shows when it arrives before the snapshot', async () => {
  let answer: (s: SnapshotMessage) => void = () => undefined;
  const t = await trackServer(() => new Promise((r) => (answer = r)));
  t.feed(position(5));
  t.feed(position(6));
  answer(snapshot(5, []));
  await expect.poll(() => t.received).toEqual([5, 6]);
  t.feed(position(7));
  await expect.poll(() => t.received).toEqual([5, 6, 7]);
});
