import { describe, expect, it } from 'vitest';
import { assertReadCommittedFixed, withoutAborted } from './read-committed.js';

const rec = (offset: number, producerId: string, marker?: 'abort' | 'commit', txn = true) => ({
  offset: String(offset),
  key: marker ? Buffer.from([0, 0, 0, marker === 'abort' ? 0 : 1]) : Buffer.from(`r${offset}`),
  isControlRecord: marker !== undefined,
  batchContext: { producerId, inTransaction: txn },
});
const kept = (m: { offset: string; isControlRecord?: boolean }[]) =>
  m.filter((x) => !x.isControlRecord).map((x) => Number(x.offset));

describe('withoutAborted (the corrected read_committed filter)', () => {
  it('drops a transaction that began first but is listed second', () => {
    const messages = [
      rec(0, 'A'),
      rec(1, 'B'),
      rec(2, 'B', 'abort'),
      rec(3, 'A'),
      rec(4, 'A', 'abort'),
      rec(5, 'C'),
      rec(6, 'C', 'commit'),
    ];
    const listedByEnd = [
      { producerId: 'B', firstOffset: '1' },
      { producerId: 'A', firstOffset: '0' },
    ];
    expect(kept(withoutAborted(messages, listedByEnd))).toEqual([5]);
  });

  it("keeps a producer's later committed transaction and other producers' records", () => {
    const messages = [
      rec(10, 'A'),
      rec(11, 'X', undefined, false),
      rec(12, 'A', 'abort'),
      rec(13, 'A'),
      rec(14, 'B'),
      rec(15, 'A', 'commit'),
      rec(16, 'B', 'commit'),
    ];
    expect(kept(withoutAborted(messages, [{ producerId: 'A', firstOffset: '10' }]))).toEqual([
      11, 13, 14,
    ]);
  });

  it('drops the rest of an aborted transaction that began before the fetched range', () => {
    const messages = [rec(20, 'A'), rec(21, 'B'), rec(22, 'A', 'abort'), rec(23, 'A')];
    const aborted = [{ producerId: 'A', firstOffset: '15' }];
    expect(kept(withoutAborted(messages, aborted))).toEqual([21, 23]);
  });

  it('keeps everything when nothing was aborted', () => {
    const messages = [rec(0, 'A'), rec(1, 'A', 'commit')];
    expect(kept(withoutAborted(messages, []))).toEqual([0]);
    expect(kept(withoutAborted(messages, undefined))).toEqual([0]);
  });

  it('is the filter the kafkajs consumer in this process uses', () => {
    expect(() => assertReadCommittedFixed()).not.toThrow();
  });
});
