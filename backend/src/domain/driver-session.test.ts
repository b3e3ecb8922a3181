import { describe, expect, it } from 'vitest';
import { SUPERSEDED_SESSIONS_KEPT, judgeRecord, type SessionCursor } from './driver-session.js';

/** Verdicts of a stream of (session, seq) records, judged in order. */
function verdicts(records: [string | undefined, number][]) {
  let cursor: SessionCursor | undefined;
  return records.map(([session, seq]) => {
    const j = judgeRecord(cursor, session === undefined ? { seq } : { session, seq });
    cursor = j.cursor;
    return j.verdict;
  });
}

describe('judgeRecord', () => {
  it('keeps the seq rule within a session, the default one included', () => {
    expect(
      verdicts([
        [undefined, 1],
        [undefined, 2],
        [undefined, 2],
        [undefined, 1],
        [undefined, 5],
      ]),
    ).toEqual(['applied', 'applied', 'duplicate', 'duplicate', 'applied']);
  });

  it('lets a new session start again from seq 1, and skips the old one afterwards', () => {
    expect(
      verdicts([
        ['a', 20],
        ['a', 21],
        ['b', 1],
        ['b', 2],
        ['a', 22],
        ['b', 2],
        ['b', 3],
      ]),
    ).toEqual(['applied', 'applied', 'new-session', 'applied', 'stale', 'duplicate', 'applied']);
  });

  it('takes the log order, not the seq, for which session is newer', () => {
    // A new phone whose first seq is far above the old one is still just the next session.
    expect(
      verdicts([
        ['old', 5000],
        ['new', 1],
        ['old', 5001],
      ]),
    ).toEqual(['applied', 'new-session', 'stale']);
  });

  it('supersedes the default session with a named one (an app upgraded mid-shift)', () => {
    expect(
      verdicts([
        [undefined, 7],
        ['s1', 1],
        [undefined, 8],
      ]),
    ).toEqual(['applied', 'new-session', 'stale']);
  });

  it(`remembers the last ${SUPERSEDED_SESSIONS_KEPT} superseded sessions`, () => {
    const sessions = Array.from({ length: SUPERSEDED_SESSIONS_KEPT + 2 }, (_, i) => `s${i}`);
    let cursor: SessionCursor | undefined;
    for (const session of sessions) cursor = judgeRecord(cursor, { session, seq: 1 }).cursor;
    expect(cursor!.superseded).toHaveLength(SUPERSEDED_SESSIONS_KEPT);
    expect(cursor!.superseded[0]).toBe(sessions.at(-2));
    expect(judgeRecord(cursor, { session: 's1', seq: 9 }).verdict).toBe('stale');
  });

  it('leaves the cursor alone on a skipped record', () => {
    const cursor: SessionCursor = { session: 'b', seq: 3, superseded: ['a'] };
    expect(judgeRecord(cursor, { session: 'a', seq: 9 }).cursor).toBe(cursor);
    expect(judgeRecord(cursor, { session: 'b', seq: 3 }).cursor).toBe(cursor);
  });
});
