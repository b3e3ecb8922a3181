import { useEffect, useState } from 'react';
import type { LagSnapshot } from '@fleetstream/contracts';
import type { ApiError } from '../../api/http.js';
import { fetchDeliveries } from '../../api/ops.js';
import { connectOps, type OpsConnection } from '../../api/ops-socket.js';

export interface PipelineLive {
  connection: OpsConnection | 'no-token';
  /** The ops role's latest poll: partitions, rates, each group's lag and status. */
  snapshot: LagSnapshot | null;
  /** A customer tracking link of an active delivery, for the demo. */
  demoTrackingUrl: string | null;
}

/** How often the demo tracking link is looked for again (a delivery ends, another starts). */
const DEMO_LINK_MS = 30_000;

/**
 * The pipeline's live figures for the home page: the ops WebSocket's snapshot only (the home
 * page draws no history), and one active delivery's tracking link.
 */
export function usePipeline(token: string): PipelineLive {
  const [connection, setConnection] = useState<OpsConnection>('connecting');
  const [snapshot, setSnapshot] = useState<LagSnapshot | null>(null);
  const [demoTrackingUrl, setDemo] = useState<string | null>(null);

  useEffect(() => {
    if (!token) return;
    return connectOps(token, {
      onState: setConnection,
      onMessage: (m) => {
        if (m.snapshot) setSnapshot(m.snapshot);
      },
    });
  }, [token]);

  useEffect(() => {
    if (!token) return;
    let current = true;
    const load = () =>
      fetchDeliveries(token, { limit: 1 }).then(
        (l) => current && setDemo(l.deliveries[0]?.trackingUrl ?? null),
        (e: ApiError) => {
          if (current && e.status === 401) setConnection('unauthorized');
        },
      );
    void load();
    const timer = setInterval(() => void load(), DEMO_LINK_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [token]);

  if (!token) return { connection: 'no-token', snapshot: null, demoTrackingUrl: null };
  return { connection, snapshot, demoTrackingUrl };
}
