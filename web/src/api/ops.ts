import type {
  AbandonedList,
  DeliveryFilter,
  DeliveryList,
  DeliverySort,
} from '@fleetstream/contracts';
import { getJson } from './http.js';

/** Parameters of GET /api/deliveries; unset ones take the server's defaults. */
export interface DeliveryListQuery {
  status?: DeliveryFilter;
  /** Part of a delivery or courier id. */
  q?: string;
  sort?: DeliverySort;
  limit?: number;
  /** `next` of the previous page. */
  cursor?: string | null;
}

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

/** One page of deliveries (a number: the first page of that many active ones). */
export function fetchDeliveries(
  token: string,
  query: DeliveryListQuery | number = {},
): Promise<DeliveryList> {
  const q = typeof query === 'number' ? { limit: query } : query;
  const params = new URLSearchParams();
  if (q.status) params.set('status', q.status);
  if (q.q?.trim()) params.set('q', q.q.trim());
  if (q.sort) params.set('sort', q.sort);
  if (q.limit) params.set('limit', String(q.limit));
  if (q.cursor) params.set('cursor', q.cursor);
  const search = params.toString();
  return getJson<DeliveryList>(`/api/deliveries${search ? `?${search}` : ''}`, bearer(token));
}

/** The latest deliveries dropped for a silent courier. */
export const fetchAbandoned = (token: string) =>
  getJson<AbandonedList>('/api/deliveries/abandoned', bearer(token));
