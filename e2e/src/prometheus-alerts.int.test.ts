import fs from 'node:fs';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { encodeLocationRecord } from '@fleetstream/contracts';
import { createKafka } from '@fleetstream/kafka/client';
import { startProducer } from '@fleetstream/kafka/producer';
import { positionTrace, testLogger } from '@fleetstream/backend/testing/fixtures';
import { GRAFANA_DASHBOARD } from '@fleetstream/infra/prometheus';
import {
  exposedMetricNames,
  grafanaMetricNames,
  promqlMetricNames,
} from '@fleetstream/infra/promql-names';
import { startTestPrometheus } from '@fleetstream/testkit/prometheus-server';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';

/**
 * The shipped Prometheus rules against a real Prometheus (Debian's package) scraping a running
 * stack: the thresholds come from the stack's ALERT_* variables through /metrics, only the
 * rules' `for`/`keep_firing_for` are shortened here.
 */
let stack: TestStack;
let prometheus: Awaited<ReturnType<typeof startTestPrometheus>>;
let producing = true;
let produced: Promise<void> = Promise.resolve();
let group = '';

beforeAll(async () => {
  stack = await startTestStack({
    brokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    roles: ['ops', 'analytics'],
    env: {
      LOCATION_PARTITIONS: '2',
      OPS_POLL_INTERVAL_MS: '500',
      OPS_WINDOW_SAMPLES: '6',
      ALERT_TIME_LAG_S: '6',
      ALERT_FOR_S: '2',
      ALERT_RESOLVE_FOR_S: '2',
    },
  });
  group = `${stack.namespace}analytics`;
  const kafka = createKafka({
    brokers: inject('kafkaBrokers').split(','),
    clientId: 'prometheus-alerts',
    log: testLogger(),
  });
  const producer = await startProducer(kafka);
  produced = (async () => {
    for (let seq = 1; producing; seq++) {
      const records = positionTrace(20, 1, Date.now() - 1000).map((r) => ({ ...r, seq }));
      await producer.send(
        `${stack.namespace}delivery-location`,
        records.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
      );
      await new Promise((r) => setTimeout(r, 250));
    }
    await producer.stop();
  })();
  prometheus = await startTestPrometheus({ target: `127.0.0.1:${stack.port}`, holdFor: '3s' });
}, 180_000);
afterAll(async () => {
  producing = false;
  await produced;
  await prometheus?.stop();
  await stack?.stop();
});

const poll = { timeout: 60_000, interval: 500 };
const timeLagAlert = async () =>
  (await prometheus.alerts()).find(
    (a) => a.labels.alertname === 'FleetstreamTimeLagHigh' && a.labels.group === group,
  )?.state ?? 'none';

it('every metric the Grafana dashboard and the alerting rules query is in /metrics', async () => {
  // Scraped, and the ops role has published: the per-group series are in Prometheus.
  await expect
    .poll(async () => (await prometheus.query('fleetstream_consumer_group_status')).length, poll)
    .toBeGreaterThan(0);
  const exposed = exposedMetricNames(await (await fetch(`${stack.baseUrl}/metrics`)).text());
  const dashboard = grafanaMetricNames(JSON.parse(fs.readFileSync(GRAFANA_DASHBOARD, 'utf8')));
  expect(dashboard.length).toBeGreaterThan(8);
  expect(dashboard.filter((n) => !exposed.has(n))).toEqual([]);

  const queries = await prometheus.ruleQueries();
  expect(queries).toHaveLength(4);
  // ALERTS is Prometheus' own series of its alerts (the rules' hysteresis).
  const ruleNames = queries.flatMap(promqlMetricNames).filter((n) => n !== 'ALERTS');
  expect(ruleNames).toContain('fleetstream_alert_threshold_seconds');
  expect(ruleNames.filter((n) => !exposed.has(n))).toEqual([]);
});

it('pausing a group fires the time-lag rule in Prometheus; resuming resolves it', async () => {
  const control = async (action: 'pause' | 'resume') =>
    (
      await fetch(`${stack.baseUrl}/api/ops/groups/${group}/${action}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${stack.opsToken}` },
      })
    ).status;
  await expect
    .poll(
      async () =>
        (
          await prometheus.query(
            `fleetstream_consumer_group_time_lag_seconds{group="${group}"} < 3`,
          )
        ).length,
      poll,
    )
    .toBe(1);
  expect(await timeLagAlert()).toBe('none');

  expect(await control('pause')).toBe(202);
  await expect.poll(timeLagAlert, poll).toBe('firing');
  const [lag] = await prometheus.query(
    `fleetstream_consumer_group_time_lag_seconds{group="${group}"}`,
  );
  expect(Number(lag!.value[1])).toBeGreaterThanOrEqual(6);

  expect(await control('resume')).toBe(202);
  await expect.poll(timeLagAlert, poll).toBe('none');
});
