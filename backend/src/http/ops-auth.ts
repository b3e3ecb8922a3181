import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import type { AuthLimiter } from './auth-limiter.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Constant-time check of `Authorization: Bearer <OPS_TOKEN>`. Both sides are hashed first, so
 * the comparison takes the same time whatever the length of the guess (comparing lengths first
 * would tell a guesser the token's length).
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * The address failed attempts are counted against, the same for HTTP and WebSocket upgrades:
 * the peer, or, when the peer is a proxy on this machine (loopback, the only proxy we trust,
 * as `trust proxy` in app.ts), the nearest address it forwarded for that is not loopback.
 */
export function clientAddress(req: IncomingMessage): string {
  const peer = req.socket.remoteAddress ?? '';
  if (!LOOPBACK.test(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!LOOPBACK.test(hops[i]!)) return hops[i]!;
  return peer;
}

export type OpsAuth =
  { ok: true } | { ok: false; status: 401 | 429; message: string; retryAfterS?: number };

/**
 * The one ops-token check of every ops surface (HTTP and /ws/ops): an address past the failure
 * limit is refused with its wait, the right token included; a request without a token is not a
 * guess and never counts; a wrong token counts.
 */
export function checkOpsToken(
  req: IncomingMessage,
  authorization: string | undefined,
  token: string,
  limiter: AuthLimiter,
): OpsAuth {
  const address = clientAddress(req);
  const waitMs = limiter.retryAfterMs(address);
  if (waitMs > 0)
    return {
      ok: false,
      status: 429,
      message: 'too many failed authentication attempts; try again later',
      retryAfterS: Math.ceil(waitMs / 1000),
    };
  if (!authorization)
    return { ok: false, status: 401, message: 'ops token required (Authorization: Bearer …)' };
  if (!bearerMatches(authorization, token)) {
    limiter.failed(address);
    return { ok: false, status: 401, message: 'invalid ops token' };
  }
  return { ok: true };
}

/** Guards ops endpoints with the ops bearer token (checkOpsToken). */
export function requireOpsToken(token: string, limiter: AuthLimiter): RequestHandler {
  return (req, res, next) => {
    const auth = checkOpsToken(req, req.headers.authorization, token, limiter);
    if (auth.ok) return next();
    if (auth.retryAfterS !== undefined) res.setHeader('Retry-After', String(auth.retryAfterS));
    next(
      new AppError(auth.status === 429 ? 'RATE_LIMITED' : 'UNAUTHORIZED', auth.message, {
        status: auth.status,
      }),
    );
  };
}
