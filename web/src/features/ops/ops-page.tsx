import type { DeliveryCounts, DeliveryFilter, DeliverySort } from '@fleetstream/contracts';
import { DeliveryTable } from './delivery-table.js';
import { TokenForm, useOpsToken } from './ops-token.js';
import { useDeliveryList } from './use-delivery-list.js';
import './deliveries.css';

const FILTERS: { value: DeliveryFilter; label: string }[] = [
  { value: 'active', label: 'Active' },
  { value: 'assigned', label: 'Assigned' },
  { value: 'picked_up', label: 'Picked up' },
  { value: 'offline', label: 'Offline' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'cancelled', label: 'Cancelled' },
  { value: 'all', label: 'All' },
];

const SORTS: { value: DeliverySort; label: string }[] = [
  { value: 'updated', label: 'Last heard, newest first' },
  { value: 'stale', label: 'Last heard, oldest first' },
  { value: 'id', label: 'Delivery id' },
  { value: 'status', label: 'Status' },
];

/** How many deliveries a filter shows, from the counts per status. */
export function countOf(c: DeliveryCounts, filter: DeliveryFilter): number {
  switch (filter) {
    case 'active':
      return c.assigned + c.picked_up;
    case 'all':
      return c.assigned + c.picked_up + c.delivered + c.cancelled;
    default:
      return c[filter];
  }
}

const n = (x: number) => x.toLocaleString('en');

/** /ops/deliveries: the fleet's deliveries, searched, filtered, sorted and paged by the server. */
export function OpsPage() {
  const [token, setToken] = useOpsToken();
  const view = useDeliveryList(token, () => setToken(''));
  const { list, error } = view;

  if (!token) return <TokenForm onToken={setToken} error={error} />;
  const total = list ? countOf(list.counts, view.status) : 0;
  const first = view.page * view.pageSize;
  return (
    <main className="page page-wide">
      <h1>Deliveries</h1>
      <p>
        <a href="/">Home</a> · <a href="/ops">Dashboard</a> · <a href="/ops/fleet">Fleet map</a> ·{' '}
        <a href="/ops/analytics">Fleet analytics</a> · <a href="/ops/replay">Fleet replay</a>
      </p>
      <div className="delivery-controls">
        <input
          type="search"
          aria-label="Search deliveries"
          placeholder="Delivery or courier id"
          data-testid="delivery-search"
          value={view.search}
          onChange={(e) => view.setSearch(e.target.value)}
        />
        <label>
          Sort{' '}
          <select
            data-testid="delivery-sort"
            value={view.sort}
            onChange={(e) => view.setSort(e.target.value as DeliverySort)}
          >
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="delivery-filters" role="group" aria-label="Status">
        {FILTERS.map((f) => (
          <button
            key={f.value}
            type="button"
            data-testid={`filter-${f.value}`}
            aria-pressed={view.status === f.value}
            className={f.value === 'offline' ? 'filter-offline' : undefined}
            onClick={() => view.setStatus(f.value)}
          >
            {f.label}{' '}
            <span className="filter-count" data-testid="filter-count">
              {list ? n(countOf(list.counts, f.value)) : '…'}
            </span>
          </button>
        ))}
      </div>
      {error && <p role="alert">Could not load deliveries: {error}</p>}
      {list && list.deliveries.length === 0 && (
        <p>{view.page === 0 ? 'No deliveries match.' : 'No more deliveries.'}</p>
      )}
      {list && list.deliveries.length > 0 && (
        <DeliveryTable rows={list.deliveries} now={Date.now()} />
      )}
      <nav className="delivery-pager" aria-label="Pages">
        <button
          type="button"
          data-testid="page-prev"
          disabled={view.page === 0}
          onClick={view.previous}
        >
          ← Previous
        </button>
        <span data-testid="page-info">
          {list && list.deliveries.length > 0
            ? `Page ${view.page + 1} · ${n(first + 1)}–${n(first + list.deliveries.length)} of ${n(total)}`
            : `Page ${view.page + 1}`}
        </span>
        <button
          type="button"
          data-testid="page-next"
          disabled={view.loading || !list?.next}
          onClick={view.next}
        >
          Next →
        </button>
      </nav>
    </main>
  );
}
