/**
 * Per (driver, session, seq) order of a driver's records, as the contract defines it (see
 * `SessionSchema` in contracts): the Kafka log decides which session is newer, never the device
 * clock. The first record of a session not seen before supersedes the current one; records of a
 * superseded session are stale; within a session, seq must rise. Every consumer applies this
 * one rule, {@link judgeRecord}, to the state it holds in memory for its partitions.
 */

/**
 * The session of records without `session`. Real session ids have 1–64 characters, so the
 * empty string never collides with one.
 */
export const DEFAULT_SESSION = '';

/**
 * Superseded sessions remembered per driver (or delivery), newest first. A record of an older
 * one than these would be taken for a new session; a driver app restarting more than this many
 * times while one of its first sessions' records is still in flight is not a case we meet.
 */
export const SUPERSEDED_SESSIONS_KEPT = 16;

/** Where a driver's (or a delivery's) stream stands. */
export interface SessionCursor {
  session: string;
  /** Last applied seq of `session`. */
  seq: number;
  /** Sessions it replaced, newest first, at most {@link SUPERSEDED_SESSIONS_KEPT}. */
  superseded: readonly string[];
}

/**
 * `applied`: newer within the current session; `new-session`: first record of a session that
 * supersedes the current one (applied too); `duplicate`: seq at or below the session's last
 * (producer retries, replays); `stale`: a record of a superseded session.
 */
export type SessionVerdict = 'applied' | 'new-session' | 'duplicate' | 'stale';

export interface Judged {
  verdict: SessionVerdict;
  /** The cursor after the record: unchanged unless it was applied. */
  cursor: SessionCursor;
}

/** True for the verdicts whose record takes effect. */
export const isApplied = (v: SessionVerdict) => v === 'applied' || v === 'new-session';

/** The session a record belongs to. */
export const sessionOf = (r: { session?: string }) => r.session ?? DEFAULT_SESSION;

/** Judges one record against the cursor of its driver (undefined when nothing was seen yet). */
export function judgeRecord(
  cursor: SessionCursor | undefined,
  r: { session?: string; seq: number },
): Judged {
  const session = sessionOf(r);
  if (cursor === undefined)
    return { verdict: 'applied', cursor: { session, seq: r.seq, superseded: [] } };
  if (session === cursor.session)
    return r.seq > cursor.seq
      ? { verdict: 'applied', cursor: { ...cursor, seq: r.seq } }
      : { verdict: 'duplicate', cursor };
  if (cursor.superseded.includes(session)) return { verdict: 'stale', cursor };
  return {
    verdict: 'new-session',
    cursor: {
      session,
      seq: r.seq,
      superseded: [cursor.session, ...cursor.superseded].slice(0, SUPERSEDED_SESSIONS_KEPT),
    },
  };
}
