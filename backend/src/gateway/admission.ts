/**
 * Admission of new customer sockets at a bounded rate. When a gateway restarts, or a network
 * blip drops everyone at once, every customer comes back within the same second; setting each
 * one up (subscribe, snapshot read from Redis, first write) is what costs, and doing thousands
 * at once starves the customers already connected. A token bucket (one second of burst) admits
 * `ratePerS`; the rest are told when to come back by their place in the queue of those turned
 * away (one interval each), so that they return at the rate that can be admitted, not all
 * together again.
 */
export interface Admission {
  /** 0 when the handshake is admitted; otherwise how many ms the client should wait. */
  take(): number;
  /** Handshakes turned away so far. */
  readonly shed: number;
}

/** The longest wait we ever suggest: past this a client's own backoff is as good. */
const MAX_RETRY_MS = 30_000;

export function createAdmission(
  ratePerS: number,
  o: { now?: () => number; random?: () => number } = {},
): Admission {
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const intervalMs = 1000 / ratePerS;
  let tokens = ratePerS;
  let refilledAt = now();
  /** When everyone turned away so far will have been admitted at the rate. */
  let backlogUntil = 0;
  let shed = 0;
  return {
    take() {
      const t = now();
      tokens = Math.min(ratePerS, tokens + ((t - refilledAt) / 1000) * ratePerS);
      refilledAt = t;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      shed++;
      backlogUntil = Math.max(backlogUntil, t) + intervalMs;
      // This one's place at the back of the queue, within its own interval; never sooner than
      // the next token.
      const earliest = (1 - tokens) * intervalMs;
      const place = backlogUntil - t - random() * intervalMs;
      return Math.min(MAX_RETRY_MS, Math.ceil(Math.max(earliest, place)));
    },
    get shed() {
      return shed;
    },
  };
}
