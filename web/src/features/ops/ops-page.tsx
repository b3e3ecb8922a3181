import { useEffect, useState } from 'react';
import type { DeliveryList } from '@fleetstream/contracts';
import type { ApiError } from '../../api/http.js';
import { fetchDeliveries } from '../../api/ops.js';

const TOKEN_KEY = 'fleetstream.opsToken';

/** The ops token from `#token=…` (kept out of server logs) or this tab's storage. */
function initialToken(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', location.pathname);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** /ops: active deliveries with their tracking links (the full dashboard lands with the ops issue). */
export function OpsPage() {
  const [token, setToken] = useState(initialToken);
  const [draft, setDraft] = useState('');
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
          if (e.status === 401) {
            sessionStorage.removeItem(TOKEN_KEY);
            setToken('');
          }
          setError(e.message);
        },
      );
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, [token]);

  if (!token) {
    return (
      <main className="page">
        <h1>Ops</h1>
        {error && <p role="alert">{error}</p>}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            sessionStorage.setItem(TOKEN_KEY, draft);
            setToken(draft);
          }}
        >
          <label htmlFor="ops-token">Ops token (printed by npm start)</label>
          <input
            id="ops-token"
            type="password"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            autoComplete="off"
          />
          <button type="submit">Open</button>
        </form>
      </main>
    );
  }
  return (
    <main className="page">
      <h1>Active deliveries</h1>
      <p>
        <a href="/ops/analytics">Fleet analytics</a>
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
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
