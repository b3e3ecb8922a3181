import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, type ErrorCode } from '../errors.js';
import type { Logger } from '../infra/logger.js';

/** Unknown routes under /api answer JSON 404, not an HTML page. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new AppError('NOT_FOUND', 'no such resource', { status: 404 }));
};

/** Codes for errors thrown by express or its middleware (body parser, send) with a status. */
const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
};

/** Turns errors into `{ error: { code, message } }` with their status, never a stack. */
export function errorMiddleware(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = err instanceof AppError;
    const status = known
      ? err.status
      : typeof (err as { status?: unknown }).status === 'number'
        ? (err as { status: number }).status
        : 500;
    if (status >= 500 && status !== 503) log.error({ err, path: req.path }, 'request failed');
    const code = known
      ? err.code
      : (CODE_BY_STATUS[status] ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL'));
    const message = known || status < 500 ? (err as Error).message : 'internal error';
    res.status(status).json({ error: { code, message } });
  };
}
