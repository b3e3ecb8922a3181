import client from 'prom-client';
import { LAG_STATUSES, type LagSnapshot } from '@fleetstream/contracts';
import type { AppContext } from '../../context.js';

/**
 * Per-group gauges the alert rules read, for Prometheus and Grafana (infra/prometheus/,
 * infra/grafana/): time lag, status, catch-up time, retention risk, paused; the ALERT_*
 * thresholds themselves, so the shipped Prometheus rules follow the same configuration as the
 * ops role; and the ops role's own alerts that are firing.
 */
export function registerAlertMetrics(
  registry: client.Registry,
  ctx: AppContext,
  snapshot: () => LagSnapshot | null,
): void {
  const store = ctx.stores.alerts;
  const groupGauge = (
    name: string,
    help: string,
    set: (g: LagSnapshot['groups'][number], gauge: client.Gauge) => void,
    labelNames: string[] = ['group'],
  ) =>
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const g of snapshot()?.groups ?? []) set(g, this);
      },
    });
  groupGauge(
    'fleetstream_consumer_group_time_lag_seconds',
    'Age of the oldest unconsumed record of the group (its slowest partition)',
    (g, gauge) => gauge.set({ group: g.groupId }, g.timeLagMs / 1000),
  );
  groupGauge(
    'fleetstream_consumer_group_status',
    'Burrow-style status of the group: 1 for the current one (OK, WARN, REWIND, STALL, STOP)',
    (g, gauge) => {
      for (const s of LAG_STATUSES)
        gauge.set({ group: g.groupId, status: s }, g.status === s ? 1 : 0);
    },
    ['group', 'status'],
  );
  groupGauge(
    'fleetstream_consumer_group_catch_up_seconds',
    'Seconds to consume the lag at current rates: 0 when caught up, +Inf when consuming slower than the topic grows',
    (g, gauge) => gauge.set({ group: g.groupId }, g.diverging ? Infinity : (g.catchUpEtaS ?? 0)),
  );
  groupGauge(
    'fleetstream_consumer_group_retention_risk_seconds',
    'Seconds until records expire unread at current rates; absent when none are at risk',
    (g, gauge) => {
      if (g.retentionRiskS !== null && g.retentionRiskS !== undefined)
        gauge.set({ group: g.groupId }, g.retentionRiskS);
    },
  );
  groupGauge(
    'fleetstream_consumer_group_paused',
    '1 while the group is paused from the ops dashboard',
    (g, gauge) => gauge.set({ group: g.groupId }, g.paused ? 1 : 0),
  );

  const a = ctx.config.alerts;
  const threshold = new client.Gauge({
    name: 'fleetstream_alert_threshold_seconds',
    help: 'ALERT_* thresholds, seconds: the firing ones, their clearing ones (_clear, ALERT_CLEAR_RATIO applied), for and resolve_for',
    labelNames: ['param'],
    registers: [registry],
  });
  for (const [param, v] of Object.entries({
    time_lag: a.timeLagS,
    catch_up: a.catchUpS,
    catch_up_min_time_lag: a.catchUpMinTimeLagS,
    retention_risk: a.retentionRiskS,
    time_lag_clear: a.timeLagS * a.clearRatio,
    catch_up_clear: a.catchUpS * a.clearRatio,
    catch_up_min_time_lag_clear: a.catchUpMinTimeLagS * a.clearRatio,
    retention_risk_clear: a.retentionRiskS / a.clearRatio,
    for: a.forS,
    resolve_for: a.resolveForS,
  }))
    threshold.set({ param }, v);

  new client.Gauge({
    name: 'fleetstream_alert_firing',
    help: 'Alerts of the ops role that are firing (1), by rule and group',
    labelNames: ['rule', 'group'],
    registers: [registry],
    async collect() {
      this.reset();
      const states = await store.ruleStates().catch(() => new Map());
      for (const [key, state] of states) {
        const bar = key.indexOf('|');
        if (state.firing && bar > 0)
          this.set({ rule: key.slice(0, bar), group: key.slice(bar + 1) }, 1);
      }
    },
  });
}
