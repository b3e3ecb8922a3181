import { useEffect, useState } from 'react';
import type { DeliveryList } from '@fleetstream/contracts';
import { getJson } from '../../api/http.js';
import { COURIER_LABELS, type SelectedCourier } from '../../components/fleet-layer.js';

/** The courier clicked on the fleet map: its delivery, with links to follow it live or replay it. */
export function CourierPanel({
  courier,
  token,
  now,
}: {
  courier: SelectedCourier;
  token: string;
  now: number;
}) {
  const [link, setLink] = useState<string | null>(null);
  const { deliveryId } = courier;
  useEffect(() => {
    setLink(null);
    if (!deliveryId) return;
    const q = new URLSearchParams({ q: deliveryId, limit: '20' });
    getJson<DeliveryList>(`/api/deliveries?${q.toString()}`, {
      headers: { Authorization: `Bearer ${token}` },
    }).then(
      (list) =>
        setLink(list.deliveries.find((d) => d.deliveryId === deliveryId)?.trackingUrl ?? null),
      () => setLink(null),
    );
  }, [deliveryId, token]);
  const age = Math.max(0, Math.round((now - courier.ts) / 1000));
  return (
    <aside className="courier-panel" data-testid="courier-panel" aria-label="Selected courier">
      <h2>{courier.driverId}</h2>
      <p>
        {COURIER_LABELS[courier.state]} · last fix {age} s ago
      </p>
      <p>
        Delivery <code>{deliveryId ?? 'none'}</code>
      </p>
      {link && (
        <p>
          <a href={link} target="_blank" rel="noreferrer" data-testid="courier-track">
            Follow it live
          </a>{' '}
          ·{' '}
          <a href={`${link}&replay=1`} target="_blank" rel="noreferrer">
            Replay its trip
          </a>
        </p>
      )}
    </aside>
  );
}
