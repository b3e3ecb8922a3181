import { describe, expect, it } from 'vitest';
import {
  frameInteger,
  isPositionFrame,
  ShownOrder,
  trackSocketOptions,
  trackSocketUrl,
  trackTarget,
} from './track-socket.js';

const base = { deliveryId: 'dlv-1', driverId: 'drv-1', lat: 52.5, lng: 13.4, appliedAt: 1 };
const position = (seq: number, ts: number, rev?: number) =>
  JSON.stringify({ type: 'position', ...base, seq, ts, ...(rev === undefined ? {} : { rev }) });
const snapshot = (p: { seq: number; ts: number } | null, rev?: number) =>
  JSON.stringify({
    type: 'snapshot',
    delivery: {
      deliveryId: 'dlv-1',
      driverId: 'drv-1',
      status: 'picked_up',
      pickup: null,
      dropoff: null,
      statusTs: 0,
    },
    position: p && JSON.parse(position(p.seq, p.ts, rev)),
    trail: [],
    seq: p?.seq ?? 0,
    ...(rev === undefined ? {} : { rev }),
  });

describe('the /ws/track test client', () => {
  it('finds the socket URL of a tracking URL', () => {
    const target = trackTarget('/track/dlv%201?t=abc.def', 'http://127.0.0.1:8080');
    expect(target).toEqual({ deliveryId: 'dlv 1', token: 'abc.def' });
    expect(trackSocketUrl('http://127.0.0.1:8080', target).href).toBe(
      'ws://127.0.0.1:8080/ws/track?deliveryId=dlv+1&t=abc.def',
    );
    expect(trackSocketOptions('http://127.0.0.1:8080').headers).toEqual({
      Origin: 'http://127.0.0.1:8080',
    });
    expect(trackSocketOptions('http://127.0.0.1:8080', { asBrowser: false }).headers).toBe(
      undefined,
    );
  });

  it('counts a position older than one shown, snapshots included, across sockets', () => {
    const o = new ShownOrder();
    o.see(snapshot({ seq: 5, ts: 500 }));
    o.see(position(6, 600));
    o.see(position(4, 400)); // older seq
    o.see(position(7, 550)); // later seq, earlier fix time
    o.see(snapshot({ seq: 5, ts: 500 })); // a reopened socket behind what was shown
    expect(o).toMatchObject({ positions: 3, regressions: 3, repeats: 0, malformed: 0 });
    expect(o.newest).toEqual({ seq: 6, ts: 600, order: 6 });
  });

  it('counts the same position message twice, not a snapshot showing it again', () => {
    const o = new ShownOrder();
    o.see(position(1, 100));
    o.see(position(1, 100));
    o.see(snapshot({ seq: 1, ts: 100 }));
    o.see(position(2, 200));
    o.see(snapshot({ seq: 3, ts: 300 }));
    o.see(position(3, 300)); // already in the snapshot
    expect(o).toMatchObject({ positions: 4, repeats: 2, regressions: 0 });
  });

  it('orders by rev across driver sessions, whose seq starts again', () => {
    const o = new ShownOrder();
    o.see(snapshot({ seq: 40, ts: 4000 }, 40));
    o.see(position(41, 4100, 41));
    o.see(position(1, 4200, 42)); // the app restarted: a new session
    const delivered = { status: 'delivered', ts: 4300, pickup: null, dropoff: null };
    // Not above the position before it: out of the delivery's order.
    o.see(JSON.stringify({ type: 'status', deliveryId: 'dlv-1', seq: 2, rev: 42, ...delivered }));
    expect(o).toMatchObject({ regressions: 0, repeats: 0, outOfOrder: 1 });
  });

  it('counts what is not a message of the contract', () => {
    const o = new ShownOrder();
    expect(o.see('not json')).toBe(null);
    expect(o.see('{"type":"position","seq":1}')).toBe(null);
    expect(o.see('{"type":"heartbeat","at":1}')).toEqual({ type: 'heartbeat', at: 1 });
    expect(o.malformed).toBe(2);
  });

  it('reads the times of a position frame without parsing it', () => {
    const frame = Buffer.from(position(3, 1234, 9).replace('"appliedAt":1', '"appliedAt":1300'));
    expect(isPositionFrame(frame)).toBe(true);
    expect(frameInteger(frame, 'ts')).toBe(1234);
    expect(frameInteger(frame, 'appliedAt')).toBe(1300);
    expect(isPositionFrame(Buffer.from('{"type":"heartbeat","at":1}'))).toBe(false);
  });
});
