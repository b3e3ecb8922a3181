import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

/** Constant-time check of `Authorization: Bearer <OPS_TOKEN>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Guards ops endpoints with the ops bearer token. */
export function requireOpsToken(token: string): RequestHandler {
  return (req, _res, next) => {
    if (!req.headers.authorization)
      return next(
        new AppError('UNAUTHORIZED', 'ops token required (Authorization: Bearer …)', {
          status: 401,
        }),
      );
    if (!bearerMatches(req.headers.authorization, token))
      return next(new AppError('UNAUTHORIZED', 'invalid ops token', { status: 401 }));
    next();
  };
}
