import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4's request queue, without its idle timer loop.
 *
 * Each broker connection has a request queue. After every answer it checks for requests held
 * back (client-side throttling, too many in flight) and schedules the next check with
 * `setTimeout(check, throttledUntil - now)`. Unthrottled, `throttledUntil` is -1, so the delay
 * is negative, Node runs it after 1 ms, and the check schedules itself again: every connection
 * of every process wakes a thousand times a second for nothing, from its first answer on
 * (kafkajs issues #1556, #1604, #1704; the fixes proposed there were never released). A role
 * has several connections (group coordinator, partition leaders, producers).
 *
 * Here a check is scheduled only when something can need it: requests waiting (after the
 * throttle ends, or in 10 ms as kafkajs does), or a throttle still in effect. A request held
 * back for too many in flight is sent when one of them is answered, which kafkajs already
 * checks on every answer and timeout; one held back for a throttle is pushed with a check
 * scheduled for the throttle's end. kafkajs is pinned, so its prototype is replaced once, on
 * load, like the read_committed filter (read-committed.ts).
 */
interface RequestQueue {
  throttledUntil: number;
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** What kafkajs waits before looking at held-back requests again when no throttle says. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

const require = createRequire(import.meta.url);
const RequestQueueClass = require('kafkajs/src/network/requestQueue/index.js') as {
  prototype: RequestQueue;
};

/** When the queue should look at its held-back requests again, in ms; null: no need. */
export function nextPendingCheck(
  q: Pick<RequestQueue, 'throttledUntil' | 'pending'>,
  now: number,
): number | null {
  const throttled = q.throttledUntil - now;
  if (q.pending.length > 0) return throttled > 0 ? throttled : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  return throttled > 0 ? throttled : null;
}

function scheduleCheckPendingRequests(this: RequestQueue): void {
  if (this.throttleCheckTimeoutId) return;
  const at = nextPendingCheck(this, Date.now());
  if (at === null) return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, at);
}

RequestQueueClass.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;

/** Whether kafkajs's request queues in this process use the schedule above. */
export const requestQueuePatched = () =>
  RequestQueueClass.prototype.scheduleCheckPendingRequests === scheduleCheckPendingRequests;
