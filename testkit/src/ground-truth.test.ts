import { describe, expect, it } from 'vitest';
import { compareAckedToStored, longestAckGap, parseAckedLog } from './ground-truth.js';

describe('failover ground truth', () => {
  it('parses the simulator acked-log and refuses anything else', () => {
    expect(parseAckedLog('100 drv-1 1\n101 drv-2 7\n')).toEqual([
      { at: 100, driverId: 'drv-1', seq: 1 },
      { at: 101, driverId: 'drv-2', seq: 7 },
    ]);
    expect(() => parseAckedLog('100 drv-1\n')).toThrow(/bad acked-log line/);
  });

  it('finds acknowledged records missing from the topic', () => {
    const acked = parseAckedLog('1 a 1\n1 a 2\n2 b 1\n2 a 3\n');
    const report = compareAckedToStored(acked, [
      { partition: 0, driverId: 'a', seq: 1 },
      { partition: 0, driverId: 'a', seq: 3 },
      { partition: 1, driverId: 'b', seq: 1 },
      { partition: 1, driverId: 'b', seq: 2 },
    ]);
    expect(report).toEqual({
      acked: 4,
      stored: 4,
      lost: [{ driverId: 'a', seq: 2 }],
      duplicates: 0,
      duplicateSamples: [],
      outOfOrder: 0,
      unacknowledged: 1,
      splitDrivers: 0,
    });
  });

  it('tells duplicates, reordering and a driver on two partitions apart', () => {
    const report = compareAckedToStored(
      [],
      [
        { partition: 0, driverId: 'a', seq: 1 },
        { partition: 0, offset: 1, driverId: 'a', seq: 3 },
        { partition: 0, offset: 2, driverId: 'a', seq: 3 },
        { partition: 0, driverId: 'a', seq: 2 },
        { partition: 2, driverId: 'a', seq: 4 },
      ],
    );
    expect(report).toMatchObject({ duplicates: 1, outOfOrder: 1, splitDrivers: 1 });
    expect(report.duplicateSamples).toEqual([
      { driverId: 'a', seq: 3, partition: 0, offsets: [1, 2] },
    ]);
  });

  it('measures the longest stretch without acknowledgements, edges included', () => {
    const acked = parseAckedLog('100 a 1\n200 a 2\n900 a 3\n1000 a 4\n');
    expect(longestAckGap(acked, 150, 1000)).toEqual({ ms: 700, start: 200, end: 900 });
    expect(longestAckGap(acked, 0, 2000)).toEqual({ ms: 1000, start: 1000, end: 2000 });
  });
});
