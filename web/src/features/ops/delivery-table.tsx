import type { DeliveryRow } from '@fleetstream/contracts';

const STATUS_TEXT: Record<DeliveryRow['status'], string> = {
  assigned: 'assigned',
  picked_up: 'picked up',
  delivered: 'delivered',
  cancelled: 'cancelled',
};

/** "12 s ago", "4 min ago", "2 h ago". */
export function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** One page of deliveries: ids, status with an offline badge, last record, links. */
export function DeliveryTable({ rows, now }: { rows: DeliveryRow[]; now: number }) {
  return (
    <table className="table delivery-table">
      <thead>
        <tr>
          <th scope="col">Delivery</th>
          <th scope="col">Courier</th>
          <th scope="col">Status</th>
          <th scope="col">Last heard</th>
          <th scope="col">Customer view</th>
          <th scope="col">Replay</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr
            key={d.deliveryId}
            data-testid="delivery-row"
            data-delivery-id={d.deliveryId}
            className={d.offline ? 'row-offline' : undefined}
          >
            <td>
              <code>{d.deliveryId}</code>
            </td>
            <td>{d.driverId}</td>
            <td>
              {STATUS_TEXT[d.status]}
              {d.offline && (
                <span
                  className="badge badge-offline"
                  data-testid="offline-badge"
                  title="The courier has sent nothing for longer than COURIER_OFFLINE_AFTER_S"
                >
                  offline
                </span>
              )}
            </td>
            <td title={new Date(d.lastSeenTs).toISOString()}>{ageText(now - d.lastSeenTs)}</td>
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
  );
}
