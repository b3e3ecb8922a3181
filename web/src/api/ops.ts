import type { DeliveryList } from '@fleetstream/contracts';
import { getJson } from './http.js';

export const fetchDeliveries = (token: string, limit = 100) =>
  getJson<DeliveryList>(`/api/deliveries?limit=${limit}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
