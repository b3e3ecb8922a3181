import { useEffect, useRef, useState } from 'react';
import type { DeliveryFilter, DeliveryList, DeliverySort } from '@fleetstream/contracts';
import type { ApiError } from '../../api/http.js';
import { fetchDeliveries } from '../../api/ops.js';

/** How often the page shown is read again. */
const REFRESH_MS = 5000;
/** How long typing pauses before the search is sent. */
const TYPING_MS = 250;

export interface DeliveryListView {
  list: DeliveryList | null;
  error: string | null;
  status: DeliveryFilter;
  sort: DeliverySort;
  /** The search as typed. */
  search: string;
  /** The page `list` holds, 0 for the first (the one asked for while nothing is loaded). */
  page: number;
  /** True while the page asked for differs from the one shown. */
  loading: boolean;
  pageSize: number;
  setStatus(s: DeliveryFilter): void;
  setSort(s: DeliverySort): void;
  setSearch(q: string): void;
  next(): void;
  previous(): void;
}

/**
 * One page of the deliveries list, read again every few seconds, searched, filtered and sorted
 * by the server. Paging follows the server's cursors: the cursors of the pages passed are kept,
 * so Previous goes back to the exact page, and any change of search, filter or sort starts over.
 */
export function useDeliveryList(
  token: string,
  onUnauthorized: () => void,
  pageSize = 50,
): DeliveryListView {
  const [status, setStatusState] = useState<DeliveryFilter>('active');
  const [sort, setSortState] = useState<DeliverySort>('updated');
  const [search, setSearchState] = useState('');
  const [q, setQ] = useState('');
  // cursors[i] opens page i (null: the first).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  // The list shown and what it answers, so the page number, the rows and Next always agree
  // while a newer request is on its way.
  const [loaded, setLoaded] = useState<{ key: string; page: number; list: DeliveryList } | null>(
    null,
  );
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors.at(-1) ?? null;
  const page = cursors.length - 1;
  const key = JSON.stringify([status, q, sort, pageSize, cursor]);
  // A fresh function each render: the effect calls the latest without reading again for it.
  const unauthorized = useRef(onUnauthorized);
  unauthorized.current = onUnauthorized;

  useEffect(() => {
    const timer = setTimeout(() => {
      setQ(search.trim());
      setCursors([null]);
    }, TYPING_MS);
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    if (!token) return;
    let current = true;
    const load = () =>
      fetchDeliveries(token, { status, q, sort, limit: pageSize, cursor }).then(
        (l) => {
          if (!current) return;
          setLoaded({ key, page, list: l });
          setError(null);
        },
        (e: ApiError) => {
          if (!current) return;
          if (e.status === 401) unauthorized.current();
          setError(e.message);
        },
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
    // `key` and `page` follow from the inputs listed.
  }, [token, status, q, sort, pageSize, cursor]);

  const list = loaded?.list ?? null;
  const loading = loaded?.key !== key;
  return {
    list,
    error,
    status,
    sort,
    search,
    page: loaded?.page ?? page,
    loading,
    pageSize,
    setStatus: (s) => {
      setStatusState(s);
      setCursors([null]);
    },
    setSort: (s) => {
      setSortState(s);
      setCursors([null]);
    },
    setSearch: setSearchState,
    // Only from the page asked for: a second click before it arrives would reuse the cursor.
    next: () => {
      const n = loading ? null : list?.next;
      if (n) setCursors((c) => [...c, n]);
    },
    previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
  };
}
