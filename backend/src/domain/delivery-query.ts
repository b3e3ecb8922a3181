import {
  DELIVERY_FILTERS,
  DELIVERY_PAGE_DEFAULT,
  DELIVERY_PAGE_MAX,
  DELIVERY_SORTS,
  type DeliveryCounts,
  type DeliveryFilter,
  type DeliverySort,
  type TripStatus,
} from '@fleetstream/contracts';

/**
 * Search, filter, sort and keyset paging of the deliveries list (GET /api/deliveries), over an
 * in-memory index of every listed delivery. A cursor is the sort key of the last row a page
 * showed, so the next page starts after it however the list changed meanwhile: a delivery is
 * never shown twice while paging forward (one updated in between may move above the cursor).
 */

/** What the index knows of one delivery. */
export interface IndexedDelivery {
  id: string;
  driverId: string;
  status: TripStatus;
  /** Device time of its last record. */
  ts: number;
  /** In the active set (else finished within the retention). */
  active: boolean;
}

export interface DeliveryQuery {
  filter: DeliveryFilter;
  /** Lower-cased search text; '' for none. */
  q: string;
  sort: DeliverySort;
  limit: number;
  /** Sort key of the last row of the previous page. */
  after: SortKey | null;
}

type SortKey = (string | number)[];

export const MAX_QUERY_LENGTH = 100;

const STATUS_RANK: Record<TripStatus, number> = {
  assigned: 0,
  picked_up: 1,
  delivered: 2,
  cancelled: 3,
};

/** Each sort's key, compared element by element, ascending; ids last, so keys are unique. */
const sortKeys: Record<DeliverySort, (d: IndexedDelivery) => SortKey> = {
  updated: (d) => [-d.ts, d.id],
  stale: (d) => [d.ts, d.id],
  id: (d) => [d.id],
  status: (d) => [STATUS_RANK[d.status], -d.ts, d.id],
};

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export const encodeCursor = (sort: DeliverySort, key: SortKey) =>
  Buffer.from(JSON.stringify([sort, ...key])).toString('base64url');

/** The key a cursor holds, or a message saying what is wrong with it. */
export function decodeCursor(
  cursor: string,
  sort: DeliverySort,
): { key: SortKey } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return { error: 'cursor is not one this API returned' };
  }
  const [s, ...key] = Array.isArray(parsed) ? (parsed as unknown[]) : [];
  if (!DELIVERY_SORTS.includes(s as DeliverySort))
    return { error: 'cursor is not one this API returned' };
  if (s !== sort) return { error: `cursor belongs to sort=${String(s)}: pass the same sort` };
  const shape = sortKeys[sort]({ id: '', driverId: '', status: 'assigned', ts: 0, active: true });
  const fits =
    key.length === shape.length &&
    key.every((k, i) =>
      typeof shape[i] === 'number' ? Number.isFinite(k) : typeof k === 'string',
    );
  return fits ? { key: key as SortKey } : { error: 'cursor is not one this API returned' };
}

/** Query-string values as express gives them (a repeated name gives an array). */
type RawQuery = Record<string, unknown>;

/** A query from the request's parameters, or a message for a 400 naming the bad one. */
export function parseDeliveryQuery(raw: RawQuery): DeliveryQuery | { error: string } {
  for (const name of ['status', 'q', 'limit', 'cursor', 'sort'])
    if (raw[name] !== undefined && typeof raw[name] !== 'string')
      return { error: `${name} must be given once` };
  const str = (name: string) => raw[name] as string | undefined;
  const limitRaw = str('limit') ?? String(DELIVERY_PAGE_DEFAULT);
  const limit = Number(limitRaw);
  if (!/^\d+$/.test(limitRaw) || limit < 1 || limit > DELIVERY_PAGE_MAX)
    return { error: `limit must be an integer from 1 to ${DELIVERY_PAGE_MAX}` };
  const filter = (str('status') ?? 'active') as DeliveryFilter;
  if (!DELIVERY_FILTERS.includes(filter))
    return { error: `status must be one of ${DELIVERY_FILTERS.join(', ')}` };
  const sort = (str('sort') ?? 'updated') as DeliverySort;
  if (!DELIVERY_SORTS.includes(sort))
    return { error: `sort must be one of ${DELIVERY_SORTS.join(', ')}` };
  const q = (str('q') ?? '').trim().toLowerCase();
  if (q.length > MAX_QUERY_LENGTH)
    return { error: `q must be at most ${MAX_QUERY_LENGTH} characters` };
  const cursor = str('cursor');
  let after: SortKey | null = null;
  if (cursor !== undefined && cursor !== '') {
    const decoded = decodeCursor(cursor, sort);
    if ('error' in decoded) return decoded;
    after = decoded.key;
  }
  return { filter, q, sort, limit, after };
}

const matchesText = (d: IndexedDelivery, q: string) =>
  q === '' || d.id.toLowerCase().includes(q) || d.driverId.toLowerCase().includes(q);

function matchesFilter(d: IndexedDelivery, filter: DeliveryFilter, offlineBefore: number): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'active':
      return d.active;
    case 'offline':
      return d.active && d.ts < offlineBefore;
    default:
      return d.status === filter;
  }
}

/** Deliveries matching `q` and the filter, in the sort's order (before paging). */
export function selectDeliveries(
  index: readonly IndexedDelivery[],
  query: Pick<DeliveryQuery, 'filter' | 'q' | 'sort'>,
  offlineBefore: number,
): { rows: IndexedDelivery[]; counts: DeliveryCounts } {
  const counts: DeliveryCounts = {
    assigned: 0,
    picked_up: 0,
    delivered: 0,
    cancelled: 0,
    offline: 0,
  };
  const rows: IndexedDelivery[] = [];
  for (const d of index) {
    if (!matchesText(d, query.q)) continue;
    counts[d.status]++;
    if (d.active && d.ts < offlineBefore) counts.offline++;
    if (matchesFilter(d, query.filter, offlineBefore)) rows.push(d);
  }
  const key = sortKeys[query.sort];
  const keyed = rows.map((d) => ({ d, k: key(d) }));
  keyed.sort((a, b) => compareKeys(a.k, b.k));
  return { rows: keyed.map((x) => x.d), counts };
}

/** The page of sorted rows after the cursor, and the cursor of the page after it. */
export function pageOf(
  sorted: readonly IndexedDelivery[],
  query: Pick<DeliveryQuery, 'sort' | 'limit' | 'after'>,
): { page: IndexedDelivery[]; next: string | null } {
  const key = sortKeys[query.sort];
  let start = 0;
  if (query.after) {
    // The first row whose key is past the cursor's (binary search: rows are sorted by key).
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(key(sorted[mid]!), query.after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const page = sorted.slice(start, start + query.limit);
  const more = start + query.limit < sorted.length;
  return { page, next: more ? encodeCursor(query.sort, key(page.at(-1)!)) : null };
}
