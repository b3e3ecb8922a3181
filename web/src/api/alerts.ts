import { AlertListSchema, type AlertList } from '@fleetstream/contracts';
import { getJson } from './http.js';

/** GET /api/ops/alerts: the ops role's alerts, firing ones and their history, newest first. */
export const fetchAlerts = async (token: string): Promise<AlertList> =>
  AlertListSchema.parse(
    await getJson<unknown>('/api/ops/alerts', { headers: { Authorization: `Bearer ${token}` } }),
  );
