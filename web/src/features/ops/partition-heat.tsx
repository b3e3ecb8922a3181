import type { LagSnapshot } from '@fleetstream/contracts';
import { formatMs } from './group-card.js';

/** Lag of every group × partition, coloured by status, with owner and time lag on hover. */
export function PartitionHeat({ snapshot }: { snapshot: LagSnapshot }) {
  const partitions = snapshot.groups[0]?.partitions.map((p) => p.partition) ?? [];
  return (
    <table className="heat" aria-label="Lag per group and partition">
      <thead>
        <tr>
          <th scope="col">group \ partition</th>
          {partitions.map((p) => (
            <th scope="col" key={p}>
              {p}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {snapshot.groups.map((g) => (
          <tr key={g.groupId}>
            <th scope="row">{g.groupId}</th>
            {g.partitions.map((p) => (
              <td
                key={p.partition}
                className={`cell status-${p.status}`}
                title={`owner ${p.owner ?? 'none'} · committed ${p.committed ?? 'no commit'} · end ${p.end} · time lag ${formatMs(p.timeLagMs)}${p.expired ? ' · EXPIRED unprocessed' : ''}`}
                data-testid="partition-lag"
              >
                {p.lag.toLocaleString()}
                {p.expired ? ' !' : ''}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
