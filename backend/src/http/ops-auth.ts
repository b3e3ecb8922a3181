import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import type { AuthLimiter } from './auth-limiter.js';

/** Constant-time check of `Authorization: Bearer <OPS_TOKEN>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The ops token check every ops surface shares (HTTP and /ws/ops), with the per-address limit:
 * a blocked address is refused before its token is looked at, so a guesser learns nothing
 * while blocked; only a wrong token counts as a guess (a page without one yet is not locked
 * out). Returns null when the request may pass, else the error to answer with.
 */
export function checkOpsToken(
  header: string | undefined,
  token: string,
  address: string,
  limiter: AuthLimiter,
): { error: AppError; retryAfterS?: number } | null {
  const waitMs = limiter.retryAfterMs(address);
  if (waitMs > 0)
    return {
      error: new AppError(
        'RATE_LIMITED',
        'too many failed authentication attempts; try again later',
        { status: 429 },
      ),
      retryAfterS: Math.ceil(waitMs / 1000),
    };
  if (!header)
    return {
      error: new AppError('UNAUTHORIZED', 'ops token required (Authorization: Bearer …)', {
        status: 401,
      }),
    };
  if (bearerMatches(header, token)) return null;
  limiter.failed(address);
  return { error: new AppError('UNAUTHORIZED', 'invalid ops token', { status: 401 }) };
}

/** Guards ops endpoints with the ops bearer token; failed attempts are limited per address. */
export function requireOpsToken(token: string, limiter: AuthLimiter): RequestHandler {
  return (req, res, next) => {
    const address = req.ip ?? req.socket.remoteAddress ?? '';
    const refused = checkOpsToken(req.headers.authorization, token, address, limiter);
    if (!refused) return next();
    if (refused.retryAfterS !== undefined)
      res.setHeader('Retry-After', String(refused.retryAfterS));
    next(refused.error);
  };
}
