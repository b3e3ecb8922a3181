import fs from 'node:fs';
import { expect, it } from 'vitest';
import { GRAFANA_DASHBOARD } from './prometheus.js';
import { exposedMetricNames, grafanaMetricNames, promqlMetricNames } from './promql-names.js';

it('finds the metrics of an expression, not its functions, labels, keywords or numbers', () => {
  expect(
    promqlMetricNames(`
      max by (group, instance) (rate(fleetstream_a_total{group=~"$group", x="y{z}"}[5m]))
        >= on (instance, job) group_left () fleetstream_b{param="t"} * 1e3
      or on (group) (fleetstream_c offset 5m and ALERTS{alertname="X"}) == bool 1`).sort(),
  ).toEqual(['ALERTS', 'fleetstream_a_total', 'fleetstream_b', 'fleetstream_c']);
});

it('lists what the shipped Grafana dashboard queries', () => {
  const names = grafanaMetricNames(JSON.parse(fs.readFileSync(GRAFANA_DASHBOARD, 'utf8')));
  expect(names).toContain('fleetstream_consumer_group_time_lag_seconds');
  expect(names.every((n) => n.startsWith('fleetstream_'))).toBe(true);
});

it('reads metric names from a text exposition', () => {
  const text = '# HELP a_b x\n# TYPE a_b gauge\na_b{g="1"} 2\nc_total 3\n# TYPE d gauge\n';
  expect([...exposedMetricNames(text)].sort()).toEqual(['a_b', 'c_total', 'd']);
});
