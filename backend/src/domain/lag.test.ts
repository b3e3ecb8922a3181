import { describe, expect, it } from 'vitest';
import {
  catchUp,
  evaluatePartition,
  expiredUnprocessed,
  partitionLag,
  ratePerSec,
  timeLagMs,
  worstStatus,
  type PartitionSample,
} from './lag.js';

const settings = { windowSamples: 5, warnMinLag: 10 };
const window = (rows: [committed: number, end: number, owned?: boolean][]): PartitionSample[] =>
  rows.map(([committed, end, owned = true], i) => ({
    at: i * 1000,
    committed,
    end,
    low: 0,
    owned,
  }));

describe('partitionLag', () => {
  it('is end − committed, never negative', () => {
    expect(partitionLag(90, 100, 0)).toBe(10);
    // A commit read after the end offset (a race) never reports negative lag.
    expect(partitionLag(105, 100, 0)).toBe(0);
  });
  it('counts everything retained when there is no commit (-1)', () => {
    expect(partitionLag(-1, 100, 40)).toBe(60);
  });
  it('flags a commit below the low watermark as expired unprocessed', () => {
    expect(expiredUnprocessed(10, 40)).toBe(true);
    expect(expiredUnprocessed(40, 40)).toBe(false);
    expect(expiredUnprocessed(-1, 40)).toBe(false);
  });
});

describe('timeLagMs', () => {
  const history = [
    { at: 0, end: 0 },
    { at: 10_000, end: 100 },
    { at: 20_000, end: 300 },
  ];
  it('interpolates when the committed offset was the end', () => {
    // offset 200 was written halfway between 10 s and 20 s: at 15 s.
    expect(timeLagMs(history, 200, 30_000)).toBe(15_000);
    expect(timeLagMs(history, 50, 30_000)).toBe(25_000);
  });
  it('is 0 when caught up', () => {
    expect(timeLagMs(history, 300, 30_000)).toBe(0);
  });
  it('extrapolates before the oldest sample', () => {
    const h = [
      { at: 10_000, end: 100 },
      { at: 20_000, end: 200 },
    ];
    expect(timeLagMs(h, 50, 20_000)).toBe(15_000);
  });
  it('handles a partition that saw no writes in the history', () => {
    expect(
      timeLagMs(
        [
          { at: 0, end: 5 },
          { at: 1000, end: 5 },
        ],
        3,
        5000,
      ),
    ).toBe(5000);
  });
});

describe('rates and catch-up', () => {
  it('measures records per second over the window', () => {
    expect(
      ratePerSec([
        { at: 0, value: 100 },
        { at: 2000, value: 300 },
      ]),
    ).toBe(100);
    expect(
      ratePerSec([
        { at: 0, value: -1 },
        { at: 2000, value: 300 },
      ]),
    ).toBe(0);
    expect(
      ratePerSec([
        { at: 0, value: -1 },
        { at: 1000, value: 100 },
        { at: 2000, value: 300 },
      ]),
    ).toBe(200);
  });
  it('gives an ETA only when consumption outpaces production', () => {
    expect(catchUp(1000, 200, 100)).toEqual({ etaS: 10, diverging: false });
    expect(catchUp(1000, 100, 100)).toEqual({ etaS: null, diverging: true });
    expect(catchUp(0, 0, 100)).toEqual({ etaS: null, diverging: false });
  });
});

describe('evaluatePartition', () => {
  it('OK when caught up', () => {
    expect(
      evaluatePartition(
        window([
          [10, 10],
          [20, 20],
          [30, 30],
          [40, 40],
          [50, 50],
        ]),
        settings,
      ),
    ).toBe('OK');
  });
  it('OK when lag is stable while consuming', () => {
    expect(
      evaluatePartition(
        window([
          [10, 30],
          [20, 40],
          [30, 50],
          [40, 60],
          [50, 70],
        ]),
        settings,
      ),
    ).toBe('OK');
  });
  it('WARN when lag grows across the window while consuming', () => {
    expect(
      evaluatePartition(
        window([
          [10, 20],
          [12, 40],
          [14, 60],
          [16, 80],
          [18, 100],
        ]),
        settings,
      ),
    ).toBe('WARN');
  });
  it('not WARN below the minimum lag', () => {
    expect(
      evaluatePartition(
        window([
          [10, 11],
          [11, 13],
          [12, 15],
          [13, 17],
          [14, 19],
        ]),
        settings,
      ),
    ).toBe('OK');
  });
  it('not WARN on a window that is not full yet', () => {
    expect(
      evaluatePartition(
        window([
          [10, 20],
          [12, 40],
        ]),
        settings,
      ),
    ).toBe('OK');
  });
  it('STALL when owned, lagging and not moving across a full window', () => {
    expect(
      evaluatePartition(
        window([
          [10, 20],
          [10, 30],
          [10, 40],
          [10, 50],
          [10, 60],
        ]),
        settings,
      ),
    ).toBe('STALL');
  });
  it('STOP with no owner or no commit', () => {
    expect(
      evaluatePartition(
        window([
          [10, 20],
          [10, 20, false],
        ]),
        settings,
      ),
    ).toBe('STOP');
    expect(evaluatePartition(window([[-1, 20]]), settings)).toBe('STOP');
    // An empty partition has nothing to commit: not a stop.
    expect(evaluatePartition(window([[-1, 0]]), settings)).toBe('OK');
  });
  it('REWIND when the committed offset goes back', () => {
    expect(
      evaluatePartition(
        window([
          [50, 60],
          [10, 60],
          [12, 60],
        ]),
        settings,
      ),
    ).toBe('REWIND');
  });
  it('a group takes its worst partition', () => {
    expect(worstStatus(['OK', 'WARN', 'STALL', 'OK'])).toBe('STALL');
    expect(worstStatus([])).toBe('OK');
  });
});
