/** Every error code the backend raises; HTTP and consumers decide from the code. */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'KAFKA_UNAVAILABLE',
  'KAFKA_FATAL',
  'REDIS_UNAVAILABLE',
  'STATE_CONFLICT',
  'RECORD_INVALID',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'UNAVAILABLE',
  'BAD_REQUEST',
  'RATE_LIMITED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorOptions {
  cause?: unknown;
  /** HTTP status when this error reaches a response. @default 500 */
  status?: number;
  /** True when trying again later may succeed (consumers retry these, dead-letter the rest). */
  retriable?: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? 500;
    this.retriable = options.retriable ?? false;
  }
}
