import { useState } from 'react';
import type { GroupLag } from '@fleetstream/contracts';

export const formatMs = (ms: number) =>
  ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.round(ms / 60_000)} min`;
const formatEta = (g: GroupLag) =>
  g.diverging
    ? 'diverging'
    : g.catchUpEtaS === null
      ? 'caught up'
      : `${g.catchUpEtaS} s to catch up`;

/** One consumer group: status, lag in records and in time, rates, members, pause/resume. */
export function GroupCard({ group, token }: { group: GroupLag; token: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = async () => {
    setBusy(true);
    setError(null);
    const action = group.paused ? 'resume' : 'pause';
    const res = await fetch(`/api/ops/groups/${encodeURIComponent(group.groupId)}/${action}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    }).catch(() => null);
    if (!res || res.status !== 202)
      setError(`could not ${action} (${res ? `HTTP ${res.status}` : 'offline'})`);
    setBusy(false);
  };
  return (
    <section
      className="card"
      aria-labelledby={`group-${group.groupId}`}
      data-testid={`group-${group.groupId}`}
    >
      <header className="card-header">
        <h2 id={`group-${group.groupId}`}>{group.groupId}</h2>
        <span className={`status status-${group.status}`} data-testid="group-status">
          {group.status}
        </span>
      </header>
      <dl className="figures">
        <div>
          <dt>Lag</dt>
          <dd data-testid="group-lag">{group.lag.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Time lag</dt>
          <dd>{formatMs(group.timeLagMs)}</dd>
        </div>
        <div>
          <dt>Consume / produce</dt>
          <dd>
            {group.consumeRate.toFixed(0)} / {group.produceRate.toFixed(0)} /s
          </dd>
        </div>
        <div>
          <dt>Catch-up</dt>
          <dd>{formatEta(group)}</dd>
        </div>
      </dl>
      <p className="muted">
        {group.state} · {group.members.length} member(s){group.paused ? ' · paused' : ''}
      </p>
      <ul className="members">
        {group.members.map((m) => (
          <li key={m.memberId}>
            <code>{m.clientId}</code> on {m.host}: partitions {m.partitions.join(', ') || 'none'}
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => void toggle()} disabled={busy}>
        {group.paused ? 'Resume' : 'Pause'} {group.groupId}
      </button>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
