import type { ReactNode } from 'react';
import {
  DEFAULT_LOCATION_PARTITIONS,
  GROUPS,
  TOPICS,
  type GroupLag,
  type LagSnapshot,
} from '@fleetstream/contracts';

const rate = (r: number) => (r >= 100 ? Math.round(r).toLocaleString('en') : r.toFixed(1));
const age = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** Each consumer group of the contract, what it makes of the stream, and where that goes. */
const LANES: {
  name: string;
  does: string;
  output: (links: { demoTrackingUrl: string | null }) => ReactNode;
}[] = [
  {
    name: GROUPS.livePush,
    does: 'keeps the latest position, trail and ETA of every delivery',
    output: ({ demoTrackingUrl }) => (
      <>
        <h3>Redis live state → customers</h3>
        <p>pub/sub to every gateway, one WebSocket per customer</p>
        {demoTrackingUrl ? (
          <a href={demoTrackingUrl} data-testid="demo-tracking">
            Demo tracking link
          </a>
        ) : (
          <a href="/ops/deliveries">Tracking links</a>
        )}
        {' · '}
        <a href="/ops/fleet">Fleet map</a>
      </>
    ),
  },
  {
    name: GROUPS.analytics,
    does: 'distance, active drivers, trips, heat map: each record counted once',
    output: () => (
      <>
        <h3>Redis aggregates</h3>
        <p>exactly-once effect, by offset</p>
        <a href="/ops/analytics">Analytics</a>
      </>
    ),
  },
  {
    name: GROUPS.notifications,
    does: 'milestones: picked up, nearby, arrived, delivered, delayed',
    output: () => (
      <>
        <h3>
          <code>{TOPICS.notifications}</code>
        </h3>
        <p>to the webhook and, through live-push, to customers</p>
      </>
    ),
  },
];

const groupOf = (s: LagSnapshot | null, name: string): GroupLag | undefined =>
  s?.groups.find(
    (g) => g.groupId === name || g.groupId.endsWith(`.${name}`) || g.groupId.endsWith(name),
  );

function GroupFigures({ g }: { g: GroupLag }) {
  return (
    <dl className="figures">
      <dt>status</dt>
      <dd>
        <span className={`status status-${g.status}`} data-testid="group-status">
          {g.paused ? `${g.status} (paused)` : g.status}
        </span>
      </dd>
      <dt>lag</dt>
      <dd data-testid="group-lag">
        {g.lag.toLocaleString('en')} records · {age(g.timeLagMs)}
      </dd>
      <dt>rate</dt>
      <dd data-testid="group-rate">{rate(g.consumeRate)}/s</dd>
      <dt>members</dt>
      <dd>{g.members.length}</dd>
    </dl>
  );
}

/**
 * The pipeline as Kafka sees it: producers → `delivery-location` → three consumer groups, each
 * reading the whole stream on its own → what each makes of it. Live figures when the ops
 * snapshot is there, the static picture otherwise. Plain HTML and CSS: this page ships with the
 * customer's bundle.
 */
export function PipelineDiagram({
  snapshot,
  demoTrackingUrl,
}: {
  snapshot: LagSnapshot | null;
  demoTrackingUrl: string | null;
}) {
  const first = snapshot?.groups[0];
  const partitions = first?.partitions.length ?? DEFAULT_LOCATION_PARTITIONS;
  const records = first?.partitions.reduce((sum, p) => sum + p.end, 0);
  return (
    <div className="pipeline" data-testid="pipeline" data-live={snapshot ? 'true' : 'false'}>
      <section className="stage producers">
        <h3>Driver apps</h3>
        <p>a GPS fix a second per courier, and trip events, keyed by courier</p>
        {first && (
          <p className="live-figure" data-testid="pipeline-produce-rate">
            {rate(first.produceRate)} records/s
          </p>
        )}
      </section>
      <div className="arrow" aria-hidden="true" />
      <section className="stage topic">
        <h3>
          <code>{snapshot?.topic ?? TOPICS.location}</code>
        </h3>
        <p data-testid="pipeline-partitions">
          {partitions} partitions{snapshot ? '' : ' (default)'}
        </p>
        <p>per-courier order; nothing is lost while a group is down</p>
        {first && records !== undefined && (
          <p className="live-figure">
            {rate(first.produceRate)}/s in · {records.toLocaleString('en')} records
          </p>
        )}
      </section>
      <div className="fanout">
        {LANES.map((lane) => {
          const g = groupOf(snapshot, lane.name);
          return (
            <div className="lane" key={lane.name}>
              <div className="arrow" aria-hidden="true" />
              <section className="stage group" data-testid={`pipeline-group-${lane.name}`}>
                <h3>
                  group <code>{lane.name}</code>
                </h3>
                <p>{lane.does}</p>
                {g && <GroupFigures g={g} />}
              </section>
              <div className="arrow" aria-hidden="true" />
              <section className="stage output">{lane.output({ demoTrackingUrl })}</section>
            </div>
          );
        })}
      </div>
    </div>
  );
}
