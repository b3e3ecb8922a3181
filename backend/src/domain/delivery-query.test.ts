import { describe, expect, it } from 'vitest';
import type { TripStatus } from '@fleetstream/contracts';
import {
  decodeCursor,
  encodeCursor,
  pageOf,
  parseDeliveryQuery,
  selectDeliveries,
  type DeliveryQuery,
  type IndexedDelivery,
} from './delivery-query.js';

const STATUSES: TripStatus[] = ['assigned', 'picked_up', 'delivered', 'cancelled'];
const index: IndexedDelivery[] = Array.from({ length: 250 }, (_, i) => ({
  id: `dlv-${String(i).padStart(4, '0')}`,
  driverId: `DRV-${String(i % 60).padStart(3, '0')}`,
  status: STATUSES[i % 4]!,
  // Some share a time, so the id must break ties.
  ts: 1_000_000 + Math.floor(i / 3) * 1000,
  active: i % 4 < 2,
}));
const offlineBefore = 1_000_000 + 20_000;

const query = (raw: Record<string, unknown>) => {
  const q = parseDeliveryQuery(raw);
  if ('error' in q) throw new Error(q.error);
  return q;
};

/** Every page of a query, following the cursors. */
function pages(q: DeliveryQuery, data = index) {
  const { rows } = selectDeliveries(data, q, offlineBefore);
  const out: IndexedDelivery[][] = [];
  let after = q.after;
  for (;;) {
    const { page, next } = pageOf(rows, { ...q, after });
    out.push(page);
    if (!next) return out;
    const decoded = decodeCursor(next, q.sort);
    if ('error' in decoded) throw new Error(decoded.error);
    after = decoded.key;
  }
}

describe('parseDeliveryQuery', () => {
  it('defaults to the first 100 active deliveries, most recently updated first', () => {
    expect(parseDeliveryQuery({})).toEqual({
      filter: 'active',
      q: '',
      sort: 'updated',
      limit: 100,
      after: null,
    });
  });

  it.each([
    [{ limit: '0' }, 'limit must be an integer from 1 to 1000'],
    [{ limit: '1001' }, 'limit must be an integer from 1 to 1000'],
    [{ limit: '2.5' }, 'limit must be an integer from 1 to 1000'],
    [{ limit: 'ten' }, 'limit must be an integer from 1 to 1000'],
    [{ status: 'lost' }, 'status must be one of active, assigned'],
    [{ sort: 'eta' }, 'sort must be one of updated, stale, id, status'],
    [{ q: 'x'.repeat(101) }, 'q must be at most 100 characters'],
    [{ q: ['a', 'b'] }, 'q must be given once'],
    [{ cursor: 'not-a-cursor' }, 'cursor is not one this API returned'],
    [{ cursor: encodeCursor('id', ['x']) }, 'cursor belongs to sort=id'],
    [{ sort: 'id', cursor: encodeCursor('id', [3]) }, 'cursor is not one this API returned'],
  ])('refuses %j', (raw, message) => {
    const parsed = parseDeliveryQuery(raw);
    expect('error' in parsed && parsed.error).toContain(message);
  });
});

describe('selectDeliveries and pageOf', () => {
  it('pages through every match exactly once, in order, for every sort and filter', () => {
    for (const sort of ['updated', 'stale', 'id', 'status'])
      for (const status of ['all', 'active', 'delivered', 'offline'])
        for (const limit of ['1', '7', '100', '1000']) {
          const q = query({ sort, status, limit });
          const seen = pages(q).flat();
          const expected = selectDeliveries(index, q, offlineBefore).rows;
          expect(seen).toEqual(expected);
          expect(new Set(seen.map((d) => d.id)).size).toBe(seen.length);
        }
  });

  it('sorts by the named key, ids breaking ties', () => {
    const ids = (sort: string) =>
      selectDeliveries(index, query({ sort, status: 'all' }), offlineBefore).rows.map((d) => d.id);
    expect(ids('updated').slice(0, 4)).toEqual(['dlv-0249', 'dlv-0246', 'dlv-0247', 'dlv-0248']);
    expect(ids('stale').slice(0, 4)).toEqual(['dlv-0000', 'dlv-0001', 'dlv-0002', 'dlv-0003']);
    expect(ids('id')).toEqual([...ids('id')].sort());
    const statuses = selectDeliveries(
      index,
      query({ sort: 'status', status: 'all' }),
      offlineBefore,
    ).rows.map((d) => d.status);
    expect(statuses.indexOf('picked_up')).toBe(statuses.lastIndexOf('assigned') + 1);
  });

  it('matches q in delivery and courier ids, case-insensitively, and counts within it', () => {
    const r = selectDeliveries(index, query({ q: ' drv-007 ', status: 'all' }), offlineBefore);
    expect(r.rows.every((d) => d.driverId === 'DRV-007')).toBe(true);
    expect(r.rows.map((d) => d.id).sort()).toEqual([
      'dlv-0007',
      'dlv-0067',
      'dlv-0127',
      'dlv-0187',
      'dlv-0247',
    ]);
    expect(r.counts).toEqual({ assigned: 0, picked_up: 0, delivered: 0, cancelled: 5, offline: 0 });
    const byId = selectDeliveries(index, query({ q: 'DLV-012' }), offlineBefore);
    expect(byId.rows.map((d) => d.id).sort()).toEqual([
      'dlv-0120',
      'dlv-0121',
      'dlv-0124',
      'dlv-0125',
      'dlv-0128',
      'dlv-0129',
    ]);
  });

  it('counts every status and the offline active ones whatever the filter', () => {
    const { counts, rows } = selectDeliveries(index, query({ status: 'offline' }), offlineBefore);
    expect(counts).toEqual({
      assigned: 63,
      picked_up: 63,
      delivered: 62,
      cancelled: 62,
      offline: 30,
    });
    expect(rows).toHaveLength(30);
    expect(rows.every((d) => d.active && d.ts < offlineBefore)).toBe(true);
  });

  it('resumes after the cursor when the rows changed in between, showing none twice', () => {
    const q = query({ limit: '50', status: 'all' });
    const first = pageOf(selectDeliveries(index, q, offlineBefore).rows, q);
    // The newest 10 of page one got a new fix, and a new delivery arrived.
    const moved = index.map((d) =>
      first.page.slice(0, 10).some((p) => p.id === d.id) ? { ...d, ts: d.ts + 500_000 } : d,
    );
    moved.push({
      id: 'dlv-new',
      driverId: 'drv-x',
      status: 'assigned',
      ts: 2_000_000,
      active: true,
    });
    const decoded = decodeCursor(first.next!, 'updated');
    if ('error' in decoded) throw new Error(decoded.error);
    const rest = pages({ ...q, after: decoded.key }, moved).flat();
    expect(rest.filter((d) => first.page.some((p) => p.id === d.id))).toEqual([]);
    expect(first.page.length + rest.length).toBe(index.length);
  });
});
