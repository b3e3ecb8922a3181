import {
  type AnalyticsSummary,
  type NotificationRecord,
  type SnapshotMessage,
} from '@fleetstream/contracts';
import { signTrackingToken } from '@fleetstream/backend/domain/tracking-token';
import { readNotificationsById } from '@fleetstream/testkit/ground-truth';
import type { TestStack } from '@fleetstream/testkit/stack';

/**
 * What a stack's three groups produced, read from outside (analytics totals, the notifications
 * topic, each delivery's live state), and how two stacks' outputs differ: the yardstick of the
 * duplicates-and-replay test.
 */
type Role = 'live-push' | 'analytics' | 'notifications';

export interface Outputs {
  summary: AnalyticsSummary;
  trips: unknown;
  /** Notification id → how often it is on the topic, and the record. */
  notifications: Map<string, { count: number; record: NotificationRecord }>;
  /** Delivery id → what a customer's snapshot shows, appliedAt and ETA left out. */
  live: Map<string, string>;
}

export async function readOutputs(stack: TestStack, deliveryIds: string[]): Promise<Outputs> {
  const auth = { Authorization: `Bearer ${stack.opsToken}` };
  const get = async (path: string, headers: Record<string, string> = auth) => {
    const res = await fetch(`${stack.baseUrl}${path}`, { headers });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    return res.json() as Promise<unknown>;
  };
  const notifications: Outputs['notifications'] = await readNotificationsById(
    stack.env.KAFKA_BROKERS!,
    `${stack.namespace}delivery-notifications`,
  );
  const live: Outputs['live'] = new Map();
  const expires = Date.now() + 3_600_000;
  for (let i = 0; i < deliveryIds.length; i += 25) {
    const ids = deliveryIds.slice(i, i + 25);
    const snapshots = await Promise.all(
      ids.map((id) => {
        const t = signTrackingToken(stack.env.TRACKING_SECRET!, id, expires);
        return get(`/api/track/${encodeURIComponent(id)}?t=${t}`, {}) as Promise<SnapshotMessage>;
      }),
    );
    snapshots.forEach((s, j) => {
      const p = s.position;
      const view = {
        seq: s.seq,
        status: s.delivery.status,
        statusTs: s.delivery.statusTs,
        position: p && { seq: p.seq, ts: p.ts, lat: p.lat, lng: p.lng },
        trail: s.trail.map((t) => t.seq),
        // A chunk's notifications reach the topic in outbox (Redis hash) order, not detection
        // order: the set is what must match.
        notifications: s.notifications.map((n) => n.id).sort(),
      };
      live.set(ids[j]!, JSON.stringify(view));
    });
  }
  return {
    summary: (await get('/api/analytics/summary')) as AnalyticsSummary,
    trips: await get('/api/analytics/trips'),
    notifications,
    live,
  };
}

export interface Difference {
  lost: number;
  duplicated: number;
  mismatches: string[];
}

/** Per group's output: what `got` lacks (lost), has twice or extra (duplicated), or has otherwise. */
export function compare(want: Outputs, got: Outputs): Record<Role, Difference> {
  const empty = (): Difference => ({ lost: 0, duplicated: 0, mismatches: [] });
  const analytics = empty();
  for (const k of ['fixes', 'tripEvents', 'tripsCompleted', 'cancellations', 'drivers'] as const) {
    const delta = got.summary[k] - want.summary[k];
    if (delta < 0) analytics.lost -= delta;
    if (delta > 0) analytics.duplicated += delta;
    if (delta !== 0) analytics.mismatches.push(`${k}: ${got.summary[k]} ≠ ${want.summary[k]}`);
  }
  for (const k of ['distanceKm', 'avgSpeedKmh', 'outliers'] as const) {
    // Sums of floats in a different order may differ in the last bits.
    if (Math.abs(got.summary[k] - want.summary[k]) > 1e-9 * Math.max(1, want.summary[k]))
      analytics.mismatches.push(`${k}: ${got.summary[k]} ≠ ${want.summary[k]}`);
  }
  if (JSON.stringify(got.trips) !== JSON.stringify(want.trips))
    analytics.mismatches.push('trip duration histograms differ');

  const notifications = empty();
  for (const [id, w] of want.notifications) {
    const g = got.notifications.get(id);
    if (!g) notifications.lost++;
    else if (JSON.stringify(g.record) !== JSON.stringify(w.record))
      notifications.mismatches.push(`${id}: ${JSON.stringify(g.record)}`);
  }
  for (const [id, g] of got.notifications) {
    if (g.count > 1) notifications.duplicated += g.count - 1;
    if (!want.notifications.has(id)) notifications.duplicated++;
  }
  if (notifications.lost + notifications.duplicated > 0)
    notifications.mismatches.push(
      `${notifications.lost} missing, ${notifications.duplicated} repeated or extra`,
    );

  const live = empty();
  for (const [id, w] of want.live) {
    const g = got.live.get(id) ?? '{}';
    if (g === w) continue;
    const trail = (s: string) => (JSON.parse(s) as { trail?: number[] }).trail?.length ?? 0;
    const extra = trail(g) - trail(w);
    if (extra < 0) live.lost -= extra;
    if (extra > 0) live.duplicated += extra;
    live.mismatches.push(`${id}: ${g} ≠ ${w}`);
  }
  return { analytics, notifications, 'live-push': live };
}

export const total = (d: Record<string, Difference>) =>
  Object.values(d).reduce(
    (t, x) => ({
      lost: t.lost + x.lost,
      duplicated: t.duplicated + x.duplicated,
      mismatches: [...t.mismatches, ...x.mismatches],
    }),
    { lost: 0, duplicated: 0, mismatches: [] as string[] },
  );
