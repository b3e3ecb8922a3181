import {
  alertEventId,
  type Alert,
  type AlertEvent,
  type GroupLag,
  type LagSnapshot,
} from '@fleetstream/contracts';
import type { AppContext } from '../context.js';
import {
  INITIAL_RULE_STATE,
  alertIdOf,
  checkRule,
  stepRule,
  type RuleState,
  type RuleTransition,
} from '../domain/alerts.js';
import { ratePerSec } from '../domain/lag.js';
import { groupRetentionRiskS } from '../domain/retention-risk.js';
import { AppError } from '../errors.js';
import type { Logger } from '../infra/logger.js';
import { createWebhookSink, type Sink } from '../infra/notification-sinks.js';

/**
 * The ops role's alerting, run on each lag snapshot by the polling leader: adds each group's
 * retention risk to the snapshot, steps every rule × group through its hysteresis (state in
 * Redis, so a restart neither re-fires nor re-sends), records each transition with its outbox
 * event in one write, and hands the outbox to the sink (the notifications' webhook sink, or a
 * log line) in order, each event once it is taken.
 */
export function createAlertMonitor(ctx: AppContext, log: Logger, topic: string) {
  const a = ctx.config.alerts;
  const store = ctx.stores.alerts;
  const retention = ctx.cluster.topicRetention();
  const sink: Sink<AlertEvent> = a.webhook
    ? createWebhookSink<AlertEvent>({ url: a.webhook.url, attempts: a.webhook.attempts, log })
    : {
        name: 'log',
        async deliver(e) {
          log.warn(
            { alert: e.alertId, rule: e.rule, groupId: e.groupId },
            `${e.state}: ${e.detail}`,
          );
        },
      };
  // Log start offsets per partition over the lag window, for the rate retention moves it.
  const lows = new Map<number, { at: number; value: number }[]>();
  let retentionError = '';
  let draining: Promise<void> | null = null;

  async function retentionMs(): Promise<number | null> {
    try {
      const r = await retention.retention(topic);
      retentionError = '';
      return r.retentionMs;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== retentionError)
        log.warn(
          { err: message, topic },
          'cannot read retention.ms; retention risk from the log start only',
        );
      retentionError = message;
      return null;
    }
  }

  function withRisk(groups: readonly GroupLag[], at: number, retMs: number | null): GroupLag[] {
    for (const p of groups[0]?.partitions ?? []) {
      const h = lows.get(p.partition) ?? [];
      h.push({ at, value: p.low });
      while (h.length > ctx.config.ops.windowSamples) h.shift();
      lows.set(p.partition, h);
    }
    return groups.map((g) => ({
      ...g,
      retentionRiskS: roundOrNull(
        groupRetentionRiskS(
          g.partitions.map((p) => ({ ...p, lowRate: ratePerSec(lows.get(p.partition) ?? []) })),
          retMs,
        ),
      ),
    }));
  }

  async function evaluate(groups: readonly GroupLag[], now: number) {
    const states = await store.ruleStates();
    const changed = new Map<string, RuleState>();
    const transitions: { alert: Alert; event: AlertEvent }[] = [];
    for (const g of groups) {
      for (const rule of a.rules) {
        const key = store.ruleKey(rule, g.groupId);
        const before = states.get(key) ?? INITIAL_RULE_STATE;
        const figures = { ...g, retentionRiskS: g.retentionRiskS ?? null };
        const step = stepRule(before, checkRule(rule, figures, a), now, a, (at) =>
          alertIdOf(rule, g.groupId, at),
        );
        if (JSON.stringify(step.state) !== JSON.stringify(before)) changed.set(key, step.state);
        if (step.transition) transitions.push(record(rule, g.groupId, step.transition));
      }
    }
    await store.commit(changed, transitions, a.history);
    for (const t of transitions)
      log.info(
        { alert: t.alert.id, state: t.alert.state },
        `alert ${t.alert.state}: ${t.alert.detail}`,
      );
  }

  /** Sends the outbox in order; stops at the first event the sink could not take (next poll retries). */
  async function drain() {
    for (const e of await store.pending()) {
      try {
        await sink.deliver(e);
      } catch (err) {
        if (err instanceof AppError && !err.retriable) {
          log.error({ event: e.id, err: err.message }, 'alert webhook refused the event; dropped');
        } else {
          log.warn(
            { event: e.id, err: (err as Error).message },
            'alert webhook unavailable; retrying next poll',
          );
          return;
        }
      }
      await store.delivered(e.id);
    }
  }

  return {
    /** The snapshot with retention risk per group; rules evaluated and delivery started. */
    async observe<S extends Pick<LagSnapshot, 'at' | 'groups'>>(snapshot: S): Promise<S> {
      const groups = withRisk(snapshot.groups, snapshot.at, await retentionMs());
      if (a.rules.length > 0) await evaluate(groups, snapshot.at);
      draining ??= drain()
        .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'alert delivery failed'))
        .finally(() => (draining = null));
      return { ...snapshot, groups };
    },
    async stop() {
      // The outbox is in Redis: a delivery still retrying is left to the next leader.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([draining, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
      clearTimeout(timer);
      await retention.stop();
    },
  };
}

export type AlertMonitor = ReturnType<typeof createAlertMonitor>;

function record(
  rule: Alert['rule'],
  groupId: string,
  t: RuleTransition,
): { alert: Alert; event: AlertEvent } {
  const alert: Alert = {
    id: t.alertId,
    rule,
    groupId,
    state: t.state,
    since: t.at,
    firedAt: t.firedAt,
    resolvedAt: t.state === 'resolved' ? t.at : null,
    detail: t.firedDetail ? `${t.detail}; fired on ${t.firedDetail}` : t.detail,
  };
  return {
    alert,
    event: { ...alert, type: 'alert', id: alertEventId(t.alertId, t.state), alertId: t.alertId },
  };
}

const roundOrNull = (x: number | null) => (x === null ? null : Math.round(x));
