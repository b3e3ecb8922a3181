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

/** The AppError for an address that failed too often; the caller sets Retry-After. */
export const tooManyFailures = () =>
  new AppError('RATE_LIMITED', 'too many failed authentication attempts; try again later', {
    status: 429,
  });

/** Guards ops endpoints with the ops bearer token; failed attempts are limited per address. */
export function requireOpsToken(token: string, limiter: AuthLimiter): RequestHandler {
  return (req, res, next) => {
    const address = req.ip ?? req.socket.remoteAddress ?? '';
    const waitMs = limiter.retryAfterMs(address);
    if (waitMs > 0) {
      res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
      return next(tooManyFailures());
    }
    // Only a wrong token is a guess; a page that has no token yet is not locked out.
    if (!req.headers.authorization) {
      return next(
        new AppError('UNAUTHORIZED', 'ops token required (Authorization: Bearer …)', {
          status: 401,
        }),
      );
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      limiter.failed(address);
      return next(new AppError('UNAUTHORIZED', 'invalid ops token', { status: 401 }));
    }
    next();
  };
}
