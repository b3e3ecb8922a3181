import type { AlertRule, LagStatus } from '@fleetstream/contracts';

/**
 * Alert rules, pure. Each rule looks at one group's figures of one poll and says whether its
 * firing condition holds (`trigger`) and whether its clearing condition holds (`clear`); the
 * two thresholds differ (hysteresis), so a value hovering near one never flaps. `stepRule` then
 * turns a sequence of checks into transitions: an alert fires once the trigger held for `forS`
 * (and two polls at least), and resolves once the clear condition held for `resolveForS` (and
 * two polls). Between the two thresholds nothing changes and any streak starts over.
 */
export interface AlertSettings {
  rules: readonly AlertRule[];
  /** time-lag: fire at this many seconds of time lag. @default 60 */
  timeLagS: number;
  /** status: fire on these statuses. @default STOP, STALL, REWIND */
  statuses: readonly LagStatus[];
  /** catch-up: fire when catching up takes this many seconds or more (or never). @default 600 */
  catchUpS: number;
  /** catch-up: only for a group at least this far behind in time. @default 30 */
  catchUpMinTimeLagS: number;
  /** retention-risk: fire when records would expire unread within this many seconds. @default 1800 */
  retentionRiskS: number;
  /** How long a condition holds before its alert fires. @default 60 */
  forS: number;
  /** How long the clear condition holds before the alert resolves. @default 60 */
  resolveForS: number;
  /** Clear thresholds are the firing ones × this ratio (÷ for retention-risk). @default 0.5 */
  clearRatio: number;
}

/** What the rules read about one group at one poll. */
export interface GroupFigures {
  status: LagStatus;
  lag: number;
  timeLagMs: number;
  /** Seconds to catch up at current rates; null when caught up or diverging. */
  catchUpEtaS: number | null;
  diverging: boolean;
  consumeRate: number;
  produceRate: number;
  /** Seconds until records expire unread at current rates; null when there is no such risk. */
  retentionRiskS: number | null;
}

export interface RuleCheck {
  trigger: boolean;
  clear: boolean;
  /** The figures behind the verdict, in words, for the alert's detail. */
  detail: string;
}

const secs = (s: number) =>
  s < 120
    ? `${Math.round(s)} s`
    : s < 7200
      ? `${Math.round(s / 60)} min`
      : `${(s / 3600).toFixed(1)} h`;

/** One rule's verdict on one group's figures. */
export function checkRule(rule: AlertRule, g: GroupFigures, s: AlertSettings): RuleCheck {
  const timeLagS = g.timeLagMs / 1000;
  switch (rule) {
    case 'time-lag':
      return {
        trigger: timeLagS >= s.timeLagS,
        clear: timeLagS < s.timeLagS * s.clearRatio,
        detail: `time lag ${secs(timeLagS)} (fires at ${secs(s.timeLagS)}, clears below ${secs(s.timeLagS * s.clearRatio)})`,
      };
    case 'status': {
      const bad = s.statuses.includes(g.status);
      return { trigger: bad, clear: !bad, detail: `status ${g.status}` };
    }
    case 'catch-up': {
      // Diverging: consumption is slower than production, so the group never catches up.
      const eta = g.diverging ? Infinity : (g.catchUpEtaS ?? 0);
      const words = g.diverging
        ? `cannot catch up: consumes ${g.consumeRate}/s, the topic gets ${g.produceRate}/s`
        : g.catchUpEtaS === null
          ? 'caught up'
          : `catches up in ${secs(g.catchUpEtaS)}`;
      return {
        trigger: timeLagS >= s.catchUpMinTimeLagS && eta >= s.catchUpS,
        clear: timeLagS < s.catchUpMinTimeLagS * s.clearRatio || eta < s.catchUpS * s.clearRatio,
        detail: `${words}, time lag ${secs(timeLagS)} (fires at ${secs(s.catchUpS)} or more)`,
      };
    }
    case 'retention-risk': {
      const risk = g.retentionRiskS ?? Infinity;
      return {
        trigger: risk <= s.retentionRiskS,
        clear: risk > s.retentionRiskS / s.clearRatio,
        detail:
          g.retentionRiskS === null
            ? 'no unconsumed record at risk of retention'
            : g.retentionRiskS === 0
              ? 'records expired unread: the committed offset is below the log start'
              : `records expire unread in ${secs(g.retentionRiskS)} at current rates (fires within ${secs(s.retentionRiskS)})`,
      };
    }
  }
}

/** Hysteresis state of one rule for one group; plain JSON, kept across restarts. */
export interface RuleState {
  firing: boolean;
  /** The open alert while firing. */
  alertId: string | null;
  firedAt: number | null;
  /** What the rule saw when the open alert fired. */
  firedDetail: string | null;
  /** First poll of the current streak toward the other state; null = no streak. */
  streakSince: number | null;
  streakPolls: number;
}

export const INITIAL_RULE_STATE: RuleState = {
  firing: false,
  alertId: null,
  firedAt: null,
  firedDetail: null,
  streakSince: null,
  streakPolls: 0,
};

export interface RuleTransition {
  state: 'firing' | 'resolved';
  alertId: string;
  firedAt: number;
  at: number;
  detail: string;
  /** For a resolved alert, what the rule saw when it fired. */
  firedDetail: string | null;
}

/** Polls a streak needs at least, whatever the hold time: one sample never fires or resolves. */
export const MIN_STREAK_POLLS = 2;

/**
 * Advances one rule's state by one poll. Returns the new state and the transition it made, if
 * any; `alertId` names a newly fired alert.
 */
export function stepRule(
  state: RuleState,
  check: RuleCheck,
  now: number,
  timing: { forS: number; resolveForS: number },
  alertId: (firedAt: number) => string,
): { state: RuleState; transition: RuleTransition | null } {
  const toward = state.firing ? check.clear : check.trigger;
  if (!toward) {
    const reset = { ...state, streakSince: null, streakPolls: 0 };
    return { state: reset, transition: null };
  }
  const streakSince = state.streakSince ?? now;
  const streakPolls = state.streakPolls + 1;
  const holdMs = (state.firing ? timing.resolveForS : timing.forS) * 1000;
  if (streakPolls < MIN_STREAK_POLLS || now - streakSince < holdMs)
    return { state: { ...state, streakSince, streakPolls }, transition: null };
  if (!state.firing) {
    const id = alertId(now);
    return {
      state: {
        firing: true,
        alertId: id,
        firedAt: now,
        firedDetail: check.detail,
        streakSince: null,
        streakPolls: 0,
      },
      transition: {
        state: 'firing',
        alertId: id,
        firedAt: now,
        at: now,
        detail: check.detail,
        firedDetail: null,
      },
    };
  }
  return {
    state: INITIAL_RULE_STATE,
    transition: {
      state: 'resolved',
      alertId: state.alertId ?? alertId(state.firedAt ?? now),
      firedAt: state.firedAt ?? now,
      at: now,
      detail: check.detail,
      firedDetail: state.firedDetail,
    },
  };
}

/** The id of an alert: `<rule>:<groupId>:<firedAt>`, unique per rule and group. */
export const alertIdOf = (rule: AlertRule, groupId: string, firedAt: number) =>
  `${rule}:${groupId}:${firedAt}`;
