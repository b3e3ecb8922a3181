import { useMemo } from 'react';
import { TimeChart } from '../../components/time-chart.js';
import { AlertsCard } from './alerts-card.js';
import { GroupCard, formatMs } from './group-card.js';
import { ImpactLine } from './impact-line.js';
import { TokenForm, useOpsToken } from './ops-token.js';
import { ParkedCard } from './parked-card.js';
import { PartitionHeat } from './partition-heat.js';
import { RedisCard } from './redis-card.js';
import { useOpsStream } from './use-ops-stream.js';

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626'];

/** /ops: consumer lag of every group, live, with history, members, events and customer impact. */
export function DashboardPage() {
  const [token, setToken] = useOpsToken();
  const { connection, snapshot, points } = useOpsStream(token);
  const groupIds = useMemo(
    () => snapshot?.groups.map((g) => g.groupId) ?? Object.keys(points.at(-1)?.groups ?? {}),
    [snapshot, points],
  );
  const times = useMemo(() => points.map((p) => p.at), [points]);
  const series = (
    pick: (g: {
      lag: number;
      timeLagMs: number;
      consumeRate: number;
      produceRate: number;
    }) => number,
  ) =>
    groupIds.map((id, i) => ({
      label: id,
      color: COLORS[i % COLORS.length]!,
      values: points.map((p) => (p.groups[id] ? pick(p.groups[id]) : null)),
    }));

  if (!token || connection === 'unauthorized')
    return (
      <TokenForm
        onToken={setToken}
        error={connection === 'unauthorized' ? 'That ops token was refused.' : null}
      />
    );
  return (
    <main className="page page-wide">
      <header className="dash-header">
        <h1>Ops dashboard</h1>
        <span
          className={`badge ${connection === 'live' ? 'badge-live' : 'badge-wait'}`}
          role="status"
        >
          {connection === 'live'
            ? 'Live'
            : connection === 'reconnecting'
              ? 'Reconnecting…'
              : 'Connecting…'}
        </span>
        <nav>
          <a href="/ops/deliveries">Deliveries</a> · <a href="/ops/analytics">Analytics</a> ·{' '}
          <a href="/ops/replay">Replay</a>
        </nav>
      </header>
      {!snapshot && <p>Waiting for the first lag poll of the ops role…</p>}
      {snapshot && (
        <>
          <ImpactLine impact={snapshot.impact} />
          <AlertsCard token={token} />
          <div className="cards">
            {snapshot.groups.map((g) => (
              <GroupCard key={g.groupId} group={g} token={token} />
            ))}
            <ParkedCard token={token} />
            <RedisCard />
          </div>
          <div className="charts">
            <TimeChart
              title="Lag (records)"
              times={times}
              series={series((g) => g.lag)}
              unit="records"
            />
            <TimeChart
              title="Time lag"
              times={times}
              series={series((g) => g.timeLagMs / 1000)}
              unit="seconds"
            />
            <TimeChart
              title="Consume rate"
              times={times}
              series={series((g) => g.consumeRate)}
              unit="records/s"
            />
            <TimeChart
              title="Produce rate"
              times={times}
              series={[
                {
                  label: snapshot.topic,
                  color: '#475569',
                  values: points.map((p) => Object.values(p.groups)[0]?.produceRate ?? null),
                },
              ]}
              unit="records/s"
            />
          </div>
          <h2>Partitions</h2>
          <PartitionHeat snapshot={snapshot} />
          <h2>Events</h2>
          {snapshot.events.length === 0 ? (
            <p className="muted">No rebalances, pauses or status changes yet.</p>
          ) : (
            <ol className="events">
              {[...snapshot.events].reverse().map((e, i) => (
                <li key={`${e.at}-${i}`}>
                  <time dateTime={new Date(e.at).toISOString()}>
                    {new Date(e.at).toLocaleTimeString()}
                  </time>{' '}
                  <strong>{e.groupId}</strong> {e.kind}: {e.detail}
                </li>
              ))}
            </ol>
          )}
          <p className="muted">
            Status over the last {snapshot.settings.windowSamples} polls of{' '}
            {formatMs(snapshot.settings.pollIntervalMs)}: WARN when lag grows while consuming (and
            is at least {snapshot.settings.warnMinLag}), STALL when owned but not moving, STOP with
            no owner or no commit, REWIND when offsets go back.
          </p>
        </>
      )}
    </main>
  );
}
