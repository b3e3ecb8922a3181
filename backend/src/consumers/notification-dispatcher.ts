import { NotificationRecordSchema, type NotificationRecord } from '@fleetstream/contracts';
import type { AppContext, Stop } from '../context.js';
import { AppError } from '../errors.js';
import type { NotificationSink } from '../infra/notification-sinks.js';
import { startGroupMember } from './group-member.js';

/** How often parked notifications are looked at. */
const REDRIVE_EVERY_MS = 1_000;
/** A claimed entry is someone's for this long (one delivery attempt with its retries fits). */
const CLAIM_MS = 60_000;
/** Backoff of a parked notification's automatic retries: 5 s, doubling, at most 10 min. */
const retryInMs = (attempts: number) =>
  Math.min(10 * 60_000, 5_000 * 2 ** Math.max(0, attempts - 1));

export interface DispatcherStats {
  delivered: number;
  parked: number;
  redelivered: number;
  /** Parked ones given up on after NOTIFY_PARKED_DEAD_AFTER_S (kept for a redrive). */
  deadLettered: number;
}

/**
 * Reads committed notifications and hands each to the sink once: ids already delivered are
 * skipped, and the id is the provider's idempotency key for the narrow window between a
 * successful call and recording it. A notification the sink cannot take after its retries is
 * parked in Redis, never dropped: then the sink counts as down, and until a retry of a parked
 * one succeeds the dispatcher parks new notifications at once instead of waiting on a dead
 * webhook for each (it once stalled for minutes and could lose its partitions). Parked ones
 * are retried in the background with backoff; a notification the sink refused (4xx) waits for
 * a redrive from ops (`POST /api/ops/notifications/redrive`). Parked ones may reach the
 * customer after newer ones: each notification stands on its own.
 */
export async function startSinkDispatcher(
  ctx: AppContext,
  o: { groupId: string; sink: NotificationSink; stats: DispatcherStats },
): Promise<Stop> {
  const { sink, stats } = o;
  const log = ctx.log.child({ component: 'notification-sink' });
  const store = ctx.stores.notifications;
  const parked = ctx.stores.parked;
  let sinkDown = false;
  const deadAfterMs = ctx.config.notifications.parkedDeadAfterS * 1000;

  /** One delivery (the sink's own retries included); parks it when it fails. True if delivered. */
  async function attempt(
    n: NotificationRecord,
    previous: { parkedAt: number; attempts: number } | null,
  ) {
    try {
      await sink.deliver(n);
      await store.markSunk(n.id);
      sinkDown = false;
      return true;
    } catch (err) {
      const refused = err instanceof AppError && !err.retriable;
      if (!refused) sinkDown = true;
      const attempts = (previous?.attempts ?? 0) + 1;
      const now = Date.now();
      const parkedAt = previous?.parkedAt ?? now;
      const dead = !refused && now - parkedAt >= deadAfterMs;
      await parked.park(
        { notification: n, reason: (err as Error).message, parkedAt, attempts },
        refused || dead ? null : now + retryInMs(attempts),
      );
      if (!previous) stats.parked++;
      if (dead) stats.deadLettered++;
      const context = { notification: n.id, err: (err as Error).message, attempts, refused };
      if (dead)
        log.error(
          { ...context, parkedForS: Math.round((now - parkedAt) / 1000) },
          'notification undelivered past NOTIFY_PARKED_DEAD_AFTER_S; dead-lettered until a redrive',
        );
      else
        log.warn(
          context,
          refused
            ? 'sink refused a notification; parked until a redrive'
            : 'sink unavailable; notification parked',
        );
      return false;
    }
  }

  const member = await startGroupMember(ctx, {
    groupId: o.groupId,
    topics: [ctx.config.topics.notifications],
    log,
    async handleBatch(batch) {
      for (const r of batch.records) {
        let n: NotificationRecord;
        try {
          n = NotificationRecordSchema.parse(JSON.parse(r.value?.toString() ?? ''));
        } catch (err) {
          log.warn(
            { offset: r.offset, err: (err as Error).message },
            'skipping an invalid notification record',
          );
          continue;
        }
        // Committed records only reach here (@fleetstream/kafka/read-committed); one sunk before a
        // crash, whose offset was not yet committed, comes again and is skipped by its id.
        if (await store.isSunk(n.id)) continue;
        if (sinkDown) {
          const now = Date.now();
          await parked.park(
            { notification: n, reason: 'sink unavailable', parkedAt: now, attempts: 0 },
            now + retryInMs(1),
          );
          stats.parked++;
          continue;
        }
        if (await attempt(n, null)) stats.delivered++;
      }
    },
  });

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const redrive = async () => {
    try {
      // While the sink is down one entry probes it; once it answers, the rest follow.
      const due = await parked.claimDue(Date.now(), sinkDown ? 1 : 50, CLAIM_MS);
      for (const e of due) {
        if (stopped) break;
        if (await store.isSunk(e.notification.id)) {
          await parked.remove(e.notification.id);
          continue;
        }
        if (await attempt(e.notification, e)) {
          await parked.remove(e.notification.id);
          stats.redelivered++;
        } else if (sinkDown) break;
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'redriving parked notifications failed; retrying');
    }
    if (!stopped) timer = setTimeout(() => void redrive(), REDRIVE_EVERY_MS);
  };
  timer = setTimeout(() => void redrive(), REDRIVE_EVERY_MS);

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await member.stop();
  };
}
