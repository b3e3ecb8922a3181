import { useEffect, useState } from 'react';
import { ParkedSummarySchema, type ParkedSummary } from '@fleetstream/contracts';
import { getJson } from '../../api/http.js';
import { formatMs } from './group-card.js';

/**
 * Notifications the sink (the customers' webhook) could not take: how many are parked, how
 * many are dead-lettered, how long the oldest has waited, and a button to send them all again.
 */
export function ParkedCard({ token }: { token: string }) {
  const [summary, setSummary] = useState<ParkedSummary | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const load = () =>
      getJson<unknown>('/api/ops/notifications/parked', {
        headers: { Authorization: `Bearer ${token}` },
      }).then(
        (body) => setSummary(ParkedSummarySchema.parse(body)),
        () => setSummary(null),
      );
    void load();
    const timer = setInterval(() => void load(), 2000);
    return () => clearInterval(timer);
  }, [token]);

  const redrive = async () => {
    setBusy(true);
    const res = await fetch('/api/ops/notifications/redrive', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    }).catch(() => null);
    const body = res?.status === 202 ? ((await res.json()) as { redriven: number }) : null;
    setMessage(
      body
        ? `${body.redriven} sent again`
        : `redrive failed (${res ? `HTTP ${res.status}` : 'offline'})`,
    );
    setBusy(false);
  };

  return (
    <section className="card" aria-labelledby="parked-title" data-testid="parked">
      <header className="card-header">
        <h2 id="parked-title">Undelivered notifications</h2>
        <span
          className={`status ${summary && summary.parked > 0 ? 'status-WARN' : 'status-OK'}`}
          data-testid="parked-count"
        >
          {summary ? summary.parked : '…'}
        </span>
      </header>
      {summary && (
        <dl className="figures">
          <dt>Parked</dt>
          <dd>{summary.parked}</dd>
          <dt>Dead-lettered</dt>
          <dd data-testid="parked-dead">{summary.dead}</dd>
          <dt>Oldest waiting</dt>
          <dd>{summary.oldestAgeMs === null ? '–' : formatMs(summary.oldestAgeMs)}</dd>
        </dl>
      )}
      <button type="button" onClick={() => void redrive()} disabled={busy || !summary?.parked}>
        Send all again
      </button>
      {message && <p role="status">{message}</p>}
    </section>
  );
}
