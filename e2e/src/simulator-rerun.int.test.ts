import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import {
  decodeLocationRecord,
  type AnalyticsSeries,
  type AnalyticsSummary,
  type LocationRecord,
} from '@fleetstream/contracts';
import { computeGroundTruth } from '@fleetstream/backend/domain/analytics';
import { groupLag, readTopic } from '@fleetstream/testkit/kafka-readback';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';

/**
 * Issue #21: two `npm start` runs in a row on the same data dir. The second run's demo fleet
 * has the same driver ids and starts every seq from 1 again, into the analytics state (Redis)
 * the first run left. The real simulator CLI runs twice with the same arguments, each process
 * picking its own session; the second run's fleet must show in analytics at once: every fix
 * counted, in the per-second series too, and each driver's second session seen as one.
 */
const DRIVERS = 40;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    brokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    roles: ['analytics'],
    env: { LOCATION_PARTITIONS: '4' },
  });
}, 120_000);
afterAll(() => stack?.stop());

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    headers: { Authorization: `Bearer ${stack.opsToken}` },
  });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

it(
  'a second simulator run with the same driver ids is counted by analytics',
  { timeout: 180_000 },
  async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `${stack.namespace}delivery-location`;
    const group = `${stack.namespace}analytics`;
    // The same command both times, as `npm start` runs it: only the process differs.
    const simulate = async (run: number) => {
      const sim = stack.spawn(`simulator-${run}`, 'driver-simulator/src/cli.ts', [
        ...['--drivers', String(DRIVERS), '--duration', '12', '--seed', '42'],
        ...['--brokers', brokers, '--topic', topic, '--quiet'],
      ]);
      expect(await sim.exited).toBe(0);
      await expect
        .poll(() => groupLag(brokers, group, topic), { timeout: 60_000, interval: 300 })
        .toBe(0);
      return get<AnalyticsSummary>('/api/analytics/summary');
    };
    const first = await simulate(1);
    const second = await simulate(2);

    const records: LocationRecord[] = [];
    for (const r of await readTopic(brokers, topic)) {
      const decoded = decodeLocationRecord(r.value);
      if (decoded.ok) records.push(decoded.value);
    }
    const sessions = [...new Set(records.map((r) => r.session))];
    expect(sessions).toHaveLength(2);
    expect(sessions.every((s) => s !== undefined)).toBe(true);
    // Distinct fixes of each run: (driver, seq) within its session, the duplicate fault left out.
    const fixesOf = (session: string | undefined) =>
      new Set(
        records.flatMap((r) =>
          r.type === 'position' && r.session === session ? [`${r.driverId}/${r.seq}`] : [],
        ),
      ).size;
    const [a, b] = [
      fixesOf(records[0]!.session),
      fixesOf(sessions.find((s) => s !== records[0]!.session)),
    ];
    expect(b).toBeGreaterThan(DRIVERS * 5);
    expect(first.fixes).toBe(a);
    expect(second.fixes - first.fixes).toBe(b);
    const truth = computeGroundTruth(records);
    expect(second).toMatchObject({
      fixes: truth.fixes,
      drivers: DRIVERS,
      activeDrivers: DRIVERS,
      sessionsStarted: DRIVERS,
      staleSessionSkipped: 0,
      duplicatesSkipped: truth.duplicatesSkipped,
    });

    // The per-second series has every fix of both runs, by device time.
    const perSecond = new Map<number, number>();
    const seen = new Set<string>();
    for (const r of records) {
      const key = `${r.driverId}/${r.session}/${r.seq}`;
      if (r.type !== 'position' || seen.has(key)) continue;
      seen.add(key);
      const t = Math.floor(r.ts / 1000);
      perSecond.set(t, (perSecond.get(t) ?? 0) + 1);
    }
    const series = await get<AnalyticsSeries>('/api/analytics/series?minutes=10');
    const shown = new Map(series.fixesPerSecond.map((p) => [p.t, p.fixes]));
    for (const [t, n] of perSecond) expect([t, shown.get(t)]).toEqual([t, n]);
    console.log(
      `simulator rerun: first run ${a} fixes, second ${b}; analytics ${second.fixes} fixes, ` +
        `${second.activeDrivers} active drivers, ${second.sessionsStarted} sessions started`,
    );
  },
);
