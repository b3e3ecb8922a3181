import type { NotificationRecord } from '@fleetstream/contracts';
import { AppError } from '../errors.js';
import type { Logger } from './logger.js';

/**
 * Where customer notifications finally go. Real providers (email, SMS, push) implement this;
 * each call carries the notification's deterministic id, which providers take as their
 * idempotency key, so a redelivery after a crash is recognised at the far end too.
 */
export interface Sink<T extends { id: string }> {
  readonly name: string;
  deliver(n: T): Promise<void>;
}
export type NotificationSink = Sink<NotificationRecord>;

/** The default: one structured log line per notification. */
export function createLogSink(log: Logger): NotificationSink {
  return {
    name: 'log',
    async deliver(n) {
      log.info({ notification: n.id, deliveryId: n.deliveryId, milestone: n.milestone }, n.message);
    },
  };
}

export interface WebhookSinkOptions {
  url: string;
  /** Attempts before giving up on one notification. @default 5 */
  attempts?: number;
  /** First backoff; doubles each retry, with jitter. @default 500 */
  initialBackoffMs?: number;
  timeoutMs?: number;
  log: Logger;
}

/**
 * POSTs each notification (or any message with an id, e.g. an alert transition) as JSON with an
 * `Idempotency-Key` header. 5xx, 429 and network errors are retried with exponential backoff and
 * jitter; other 4xx are permanent.
 */
export function createWebhookSink<T extends { id: string } = NotificationRecord>(
  o: WebhookSinkOptions,
): Sink<T> {
  const attempts = o.attempts ?? 5;
  const initial = o.initialBackoffMs ?? 500;
  return {
    name: 'webhook',
    async deliver(n) {
      let lastError = '';
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const res = await fetch(o.url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'Idempotency-Key': n.id },
            body: JSON.stringify(n),
            signal: AbortSignal.timeout(o.timeoutMs ?? 5_000),
          });
          if (res.ok) return;
          lastError = `HTTP ${res.status}`;
          if (res.status < 500 && res.status !== 429)
            throw new AppError('BAD_REQUEST', `webhook refused ${n.id}: ${lastError}`, {
              retriable: false,
            });
        } catch (err) {
          if (err instanceof AppError) throw err;
          lastError = (err as Error).message;
        }
        if (attempt < attempts) {
          const wait = initial * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
          o.log.warn(
            { notification: n.id, attempt, error: lastError, retryInMs: Math.round(wait) },
            'webhook failed, retrying',
          );
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      throw new AppError(
        'UNAVAILABLE',
        `webhook failed for ${n.id} after ${attempts} attempts: ${lastError}`,
        { retriable: true },
      );
    },
  };
}

/** The sink a deployment's configuration names. */
export function createNotificationSink(
  s: { kind: 'log' } | { kind: 'webhook'; url: string; attempts: number },
  log: Logger,
): NotificationSink {
  return s.kind === 'webhook'
    ? createWebhookSink({ url: s.url, attempts: s.attempts, log })
    : createLogSink(log);
}
