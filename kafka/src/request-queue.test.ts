import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Kafka } from 'kafkajs';
import { nextPendingCheck, requestQueuePatched } from './request-queue.js';

describe("kafkajs's request queue", () => {
  it('is patched once this module is loaded, whatever loaded kafkajs first', () => {
    expect(new Kafka({ brokers: ['127.0.0.1:1'] })).toBeDefined();
    expect(requestQueuePatched()).toBe(true);
  });

  it('an answered request leaves no timer behind when nothing waits (kafkajs: a 1 ms loop)', () => {
    const RequestQueue = createRequire(import.meta.url)(
      'kafkajs/src/network/requestQueue/index.js',
    ) as new (o: object) => {
      fulfillRequest(r: object): void;
      throttleCheckTimeoutId: unknown;
      destroy(): void;
    };
    const quiet = () => undefined;
    const q = new RequestQueue({
      maxInFlightRequests: null,
      requestTimeout: 30_000,
      enforceRequestTimeout: false,
      clientId: 'probe',
      broker: 'probe:9092',
      logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('schedules no check while nothing waits and nothing throttles (kafkajs: every 1 ms)', () => {
    expect(nextPendingCheck({ throttledUntil: -1, pending: [] }, 1_000_000)).toBeNull();
    expect(nextPendingCheck({ throttledUntil: 900_000, pending: [] }, 1_000_000)).toBeNull();
  });

  it('checks held-back requests when the throttle ends, or after 10 ms', () => {
    expect(nextPendingCheck({ throttledUntil: 1_000_250, pending: [{}] }, 1_000_000)).toBe(250);
    expect(nextPendingCheck({ throttledUntil: -1, pending: [{}] }, 1_000_000)).toBe(10);
    expect(nextPendingCheck({ throttledUntil: 1_000_250, pending: [] }, 1_000_000)).toBe(250);
  });
});
