import { useEffect, useState } from 'react';
import type { DeliveryList } from '@fleetstream/contracts';
import type { ApiError } from '../../api/http.js';
import { fetchDeliveries } from '../../api/ops.js';
import { TokenForm, useOpsToken } from './ops-token.js';

/** /ops/deliveries: active deliveries with their tracking links and replays. */
export function OpsPage() {
  const [token, setToken] = useOpsToken();
  const [list, setList] = useState<DeliveryList | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!token) return;
    const load = () =>
      fetchDeliveries(token).then(
        (l) => {
          setList(l);
          setError(null);
        },
        (e: ApiError) => {
          if (e.status === 401) setToken('');
          setError(e.message);
        },
      );
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, [token]);

  if (!token) return <TokenForm onToken={setToken} error={error} />;
  return (
    <main className="page">
      <h1>Active deliveries</h1>
      <p>
        <a href="/ops">Dashboard</a> · <a href="/ops/analytics">Fleet analytics</a> ·{' '}
        <a href="/ops/replay">Fleet replay</a>
      </p>
      {error && <p role="alert">Could not load deliveries: {error}</p>}
      {list && list.deliveries.length === 0 && <p>No active deliveries.</p>}
      {list && list.deliveries.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Delivery</th>
              <th scope="col">Courier</th>
              <th scope="col">Status</th>
              <th scope="col">Customer view</th>
              <th scope="col">Replay</th>
            </tr>
          </thead>
          <tbody>
            {list.deliveries.map((d) => (
              <tr key={d.deliveryId}>
                <td>
                  <code>{d.deliveryId}</code>
                </td>
                <td>{d.driverId}</td>
                <td>{d.status}</td>
                <td>
                  <a href={d.trackingUrl} target="_blank" rel="noreferrer">
                    Track
                  </a>
                </td>
                <td>
                  <a
                    href={`${d.trackingUrl}&replay=1`}
                    target="_blank"
                    rel="noreferrer"
                    data-testid="delivery-replay"
                  >
                    Replay
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
