/**
 * Limits failed authentication per client address, so the ops token cannot be guessed at full
 * speed: after `maxFailures` failures within `windowMs`, every ops request from that address is
 * refused (429 with Retry-After) for `windowMs`, the right token included, so a guesser learns
 * nothing while blocked. Kept in the gateway's memory: each instance limits on its own, which
 * bounds an attacker to instances × maxFailures guesses per window.
 */
export interface AuthLimiterOptions {
  /** @default 10 */
  maxFailures?: number;
  /** @default 60_000 */
  windowMs?: number;
  /** Addresses tracked at once; the oldest are forgotten first. @default 10_000 */
  maxTracked?: number;
}

export interface AuthLimiter {
  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string, now?: number): number;
  /** Records a failed attempt. */
  failed(address: string, now?: number): void;
}

interface Entry {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

export function createAuthLimiter(o: AuthLimiterOptions = {}): AuthLimiter {
  const maxFailures = o.maxFailures ?? 10;
  const windowMs = o.windowMs ?? 60_000;
  const maxTracked = o.maxTracked ?? 10_000;
  // A Map iterates in insertion order: re-inserting on every failure keeps the oldest first.
  const entries = new Map<string, Entry>();
  return {
    retryAfterMs(address, now = Date.now()) {
      const e = entries.get(address);
      return e && e.blockedUntil > now ? e.blockedUntil - now : 0;
    },
    failed(address, now = Date.now()) {
      let e = entries.get(address);
      entries.delete(address);
      if (!e || now - e.windowStart >= windowMs)
        e = { windowStart: now, failures: 0, blockedUntil: 0 };
      e.failures++;
      if (e.failures >= maxFailures) e.blockedUntil = now + windowMs;
      entries.set(address, e);
      while (entries.size > maxTracked) entries.delete(entries.keys().next().value!);
    },
  };
}
