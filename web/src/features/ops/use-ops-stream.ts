import { useEffect, useState } from 'react';
import type { HistoryPoint, LagSnapshot } from '@fleetstream/contracts';
import { connectOps, type OpsConnection } from '../../api/ops-socket.js';

export interface OpsStream {
  connection: OpsConnection;
  snapshot: LagSnapshot | null;
  /** Oldest first, the last 15 minutes. */
  points: HistoryPoint[];
}

const WINDOW_MS = 15 * 60_000;

/** Lag history and the latest snapshot, pushed by the server: the browser never polls. */
export function useOpsStream(token: string): OpsStream {
  const [state, setState] = useState<OpsStream>({
    connection: 'connecting',
    snapshot: null,
    points: [],
  });
  useEffect(() => {
    if (!token) return;
    return connectOps(token, {
      onState: (connection) => setState((s) => ({ ...s, connection })),
      onMessage: (m) =>
        setState((s) => {
          if (m.type === 'history')
            return { ...s, points: m.points, snapshot: m.snapshot ?? s.snapshot };
          const cutoff = m.point.at - WINDOW_MS;
          return {
            ...s,
            snapshot: m.snapshot,
            points: [...s.points.filter((p) => p.at >= cutoff && p.at < m.point.at), m.point],
          };
        }),
    });
  }, [token]);
  return state;
}
