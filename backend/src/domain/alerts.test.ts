import { describe, expect, it } from 'vitest';
import {
  INITIAL_RULE_STATE,
  alertIdOf,
  checkRule,
  stepRule,
  type AlertSettings,
  type GroupFigures,
  type RuleTransition,
} from './alerts.js';
import { groupRetentionRiskS, partitionRetentionRiskS } from './retention-risk.js';

const settings: AlertSettings = {
  rules: ['time-lag', 'status', 'catch-up', 'retention-risk'],
  timeLagS: 60,
  statuses: ['STOP', 'STALL', 'REWIND'],
  catchUpS: 600,
  catchUpMinTimeLagS: 30,
  retentionRiskS: 1800,
  forS: 10,
  resolveForS: 10,
  clearRatio: 0.5,
};

const figures = (over: Partial<GroupFigures> = {}): GroupFigures => ({
  status: 'OK',
  lag: 0,
  timeLagMs: 0,
  catchUpEtaS: null,
  diverging: false,
  consumeRate: 100,
  produceRate: 100,
  retentionRiskS: null,
  ...over,
});

/** Runs one rule over a sequence of figures, one poll every 2 s; returns its transitions. */
function run(rule: Parameters<typeof checkRule>[0], seq: GroupFigures[], s = settings) {
  let state = INITIAL_RULE_STATE;
  const transitions: RuleTransition[] = [];
  seq.forEach((g, i) => {
    const step = stepRule(state, checkRule(rule, g, s), i * 2000, s, (at) =>
      alertIdOf(rule, 'grp', at),
    );
    state = step.state;
    if (step.transition) transitions.push(step.transition);
  });
  return { state, transitions };
}

const timeLags = (...s: number[]) => s.map((t) => figures({ timeLagMs: t * 1000, lag: 10 }));

describe('time-lag rule', () => {
  it('fires once after holding, resolves once after clearing, never flaps in between', () => {
    // Rises past 60 s, hovers around the threshold (59–61, never below 30), then drains.
    const seq = timeLags(
      0,
      20,
      40,
      61,
      59,
      62,
      64,
      66,
      70,
      72,
      74,
      59,
      61,
      58,
      62,
      45,
      35,
      31,
      29,
      40,
      20,
      10,
      5,
      0,
      0,
      0,
      0,
      0,
    );
    const { transitions, state } = run('time-lag', seq);
    expect(transitions.map((t) => t.state)).toEqual(['firing', 'resolved']);
    const [fired, resolved] = transitions;
    expect(fired!.alertId).toBe(resolved!.alertId);
    expect(fired!.alertId).toBe(`time-lag:grp:${fired!.at}`);
    // 59 at poll 4 broke the first streak; 62 (poll 5) starts the one that fires 10 s later.
    expect(fired!.at).toBe(5 * 2000 + 10_000);
    // 29 at poll 18 starts a clear streak that 40 breaks; the one from 20 (poll 20) resolves.
    expect(resolved!.at).toBe(20 * 2000 + 10_000);
    expect(state.firing).toBe(false);
  });

  it('a single sample over the threshold never fires, even with no hold time', () => {
    const { transitions } = run('time-lag', timeLags(0, 90, 0, 0, 90, 0), {
      ...settings,
      forS: 0,
    });
    expect(transitions).toEqual([]);
  });

  it('with no hold time, fires on the second poll in a row', () => {
    const { transitions } = run('time-lag', timeLags(0, 90, 90, 90), { ...settings, forS: 0 });
    expect(transitions.map((t) => [t.state, t.at])).toEqual([['firing', 4000]]);
  });
});

describe('status rule', () => {
  it('fires on STALL held, ignores a WARN blip, resolves on OK held', () => {
    const statuses = ['OK', 'STALL', 'WARN', 'STALL', 'STALL', 'STALL', 'STALL', 'STALL', 'STALL'];
    const back = ['OK', 'STALL', 'OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'OK'];
    const seq = [...statuses, ...back].map((status) =>
      figures({ status: status as GroupFigures['status'] }),
    );
    const { transitions } = run('status', seq);
    expect(transitions.map((t) => t.state)).toEqual(['firing', 'resolved']);
    expect(transitions[0]!.detail).toBe('status STALL');
  });
});

describe('catch-up rule', () => {
  it('fires for a group far behind that cannot catch up, not for records in flight', () => {
    const inFlight = figures({ lag: 20, timeLagMs: 500, diverging: true });
    expect(checkRule('catch-up', inFlight, settings).trigger).toBe(false);
    const behind = figures({ lag: 9000, timeLagMs: 90_000, diverging: true, consumeRate: 0 });
    const c = checkRule('catch-up', behind, settings);
    expect(c.trigger).toBe(true);
    expect(c.detail).toContain('cannot catch up');
    // Behind but draining fast: 2 min to go is no alert.
    const draining = figures({ lag: 9000, timeLagMs: 90_000, catchUpEtaS: 120 });
    expect(checkRule('catch-up', draining, settings)).toMatchObject({
      trigger: false,
      clear: true,
    });
  });
});

describe('retention-risk rule', () => {
  it('fires when records would expire within the threshold and clears only well past it', () => {
    const risk = (r: number | null) => figures({ retentionRiskS: r, lag: 100 });
    expect(checkRule('retention-risk', risk(600), settings).trigger).toBe(true);
    expect(checkRule('retention-risk', risk(2400), settings)).toMatchObject({
      trigger: false,
      clear: false,
    });
    expect(checkRule('retention-risk', risk(4000), settings).clear).toBe(true);
    expect(checkRule('retention-risk', risk(null), settings).clear).toBe(true);
    expect(checkRule('retention-risk', risk(0), settings).detail).toContain('expired unread');
  });
});

describe('retention risk estimate', () => {
  const p = {
    committed: 1000,
    low: 0,
    lag: 500,
    timeLagMs: 20_000,
    consumeRate: 0,
    produceRate: 50,
    lowRate: 0,
  };
  it('a paused group loses its oldest record when it reaches retention.ms of age', () => {
    expect(partitionRetentionRiskS(p, 60_000)).toBe(40);
    expect(partitionRetentionRiskS(p, null)).toBeNull();
  });
  it('a group consuming half as fast as records arrive ages at half speed', () => {
    expect(partitionRetentionRiskS({ ...p, consumeRate: 25 }, 60_000)).toBe(80);
  });
  it('a group catching up is at no risk from time retention', () => {
    expect(partitionRetentionRiskS({ ...p, consumeRate: 80 }, 60_000)).toBeNull();
  });
  it('a moving log start gains on the committed offset (retention.bytes)', () => {
    expect(partitionRetentionRiskS({ ...p, lowRate: 20, consumeRate: 10 }, null)).toBe(100);
  });
  it('below the log start already, or caught up', () => {
    expect(partitionRetentionRiskS({ ...p, low: 1200 }, 60_000)).toBe(0);
    expect(partitionRetentionRiskS({ ...p, lag: 0 }, 60_000)).toBeNull();
  });
  it('a group is as exposed as its most exposed partition', () => {
    expect(groupRetentionRiskS([p, { ...p, timeLagMs: 50_000 }, { ...p, lag: 0 }], 60_000)).toBe(
      10,
    );
  });
});
