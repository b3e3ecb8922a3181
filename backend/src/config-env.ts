import os from 'node:os';
import { z } from 'zod';
import { parseClusterUrl } from './infra/redis.js';
import { ALERT_RULES, DEFAULT_LOCATION_PARTITIONS, LAG_STATUSES } from '@fleetstream/contracts';

export const ROLES = [
  'gateway',
  'live-push',
  'ops',
  'analytics',
  'notifications',
  'setup-topics',
] as const;
export type Role = (typeof ROLES)[number];

const csv = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Environment variables of the backend (DESIGN.md "Configuration"), with their defaults. */
/** A URL, or unset; empty counts as unset (docker-compose's `${VAR:-}` passes empty strings). */
const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());

const EnvObject = z.object({
  /** Comma-separated brokers. */
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform(csv)
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'host:port')).min(1)),
  KAFKA_CLIENT_ID: z.string().min(1).default('fleetstream'),
  /** Prefix for every topic and group name, so several stacks (or tests) can share a cluster. */
  KAFKA_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''),
  /** Partitions of delivery-location when we create it. */
  LOCATION_PARTITIONS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(DEFAULT_LOCATION_PARTITIONS),
  /** How long a silent group member keeps its partitions; lower = faster takeover after a crash. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
  /** Consumers commit handled offsets at most this often (at-least-once: a crash replays up to this much). */
  KAFKA_COMMIT_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  LIVE_PUSH_FETCH_WAIT_MS: z.coerce.number().int().min(1).max(1000).default(20),
  /** After a live-push fetch that brought nothing, the next waits this long for any record (0: off). */
  LIVE_PUSH_IDLE_FETCH_WAIT_MS: z.coerce.number().int().min(0).max(5000).default(500),
  /** Replicas of each topic we create; 3 on a cluster, so a broker can die without data loss. */
  TOPIC_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(32).default(1),
  /** min.insync.replicas of each topic we create. @default 2 when replicated 3+ times, else 1 */
  TOPIC_MIN_INSYNC_REPLICAS: z.coerce.number().int().min(1).max(32).optional(),
  /** TLS to the brokers (managed Kafka). */
  KAFKA_SSL: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** SASL authentication to the brokers; unset = none. */
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** A standalone Redis, or a Redis Cluster as `redis+cluster://host:port,host:port` (seed nodes). */
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .superRefine((v, ctx) => {
      try {
        if (parseClusterUrl(v)) return;
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return;
      }
      if (!z.url({ protocol: /^rediss?$/ }).safeParse(v).success)
        ctx.addIssue({
          code: 'custom',
          message: 'expected redis://, rediss:// or redis+cluster://host:port,host:port',
        });
    }),
  /** Prefix of every Redis key we write; braces are ours (the keys' hash tags). */
  REDIS_PREFIX: z
    .string()
    .min(1)
    .regex(/^[^{}]*$/, 'no { or }: the keys build their cluster hash tags with them')
    .default('fleetstream:'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  OPS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** Wrong ops tokens one client address may send per window before it gets 429s for a window. */
  OPS_AUTH_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(10),
  OPS_AUTH_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(60),
  TRACKING_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** Roles that must report ready for GET /healthz to answer 200. */
  HEALTH_ROLES: z.string().default('gateway,live-push,ops,analytics,notifications').transform(csv),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Pretty logs for people; JSON for machines. Defaults to pretty on a terminal. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  INSTANCE_ID: z.string().min(1).default(`${os.hostname()}-${process.pid}`),
  /** Folder of the built web app the gateway serves. */
  WEB_DIST: z.string().optional(),
  /** How long a customer tracking link stays valid. */
  TRACKING_TOKEN_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(90 * 86400)
    .default(86400),
  /** Extra browser origins allowed on WebSockets, besides the gateway's own host. */
  ALLOWED_ORIGINS: z.string().default('').transform(csv),
  /** Map tiles; empty = no tiles (markers on a plain background). */
  TILE_URL: z.string().default('https://tile.openstreetmap.org/{z}/{x}/{y}.png'),
  // The same words as the road network's own attribution, so the map shows them once.
  TILE_ATTRIBUTION: z.string().default('© OpenStreetMap contributors'),
  /** Records whose device time is further ahead of the broker's than this are dead-lettered. */
  RECORD_MAX_FUTURE_MS: z.coerce.number().int().min(0).default(300_000),
  /** …and so are records older than this when they reach the broker (offline buffering allowed). */
  RECORD_MAX_AGE_MS: z.coerce.number().int().min(0).default(86_400_000),
  /** The tracking page shows a courier as estimated, then stale, after this long without a fix. */
  TRACK_STALE_AFTER_S: z.coerce.number().min(2).max(600).default(10),
  /** How long the tracking page keeps the marker moving on its own when a fix is late. */
  TRACK_DEAD_RECKON_S: z.coerce.number().min(0).max(60).default(5),
  /** Bytes queued for one WebSocket before we only keep its latest position. */
  WS_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  /** How often the gateway pings each WebSocket; one that has not answered by the next ping is closed. */
  WS_PING_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  /**
   * New customer sockets set up per second by one gateway (one second of burst); the rest are
   * closed with 1013 and told when to retry, so a reconnect storm cannot starve those connected.
   */
  WS_HANDSHAKES_PER_S: z.coerce.number().int().min(1).max(100_000).default(500),
  /**
   * A courier that has sent nothing for this long is offline: grey on the fleet map, flagged in
   * the deliveries list and counted apart from the pipeline's own lag.
   */
  COURIER_OFFLINE_AFTER_S: z.coerce.number().int().min(5).max(86_400).default(60),
  /**
   * A delivery whose courier has sent nothing for this long is abandoned: it leaves the active
   * set, with a log line, a metric and an entry in GET /api/deliveries/abandoned.
   */
  DELIVERY_ABANDON_AFTER_S: z.coerce
    .number()
    .int()
    .min(6)
    .max(7 * 86_400)
    .default(1800),
  /** Replays (/ws/replay) one gateway plays at once; more are refused with 429 until one ends. */
  REPLAY_MAX_PER_GATEWAY: z.coerce.number().int().min(0).max(1000).default(8),
  /** How often the ops role polls group offsets. */
  OPS_POLL_INTERVAL_MS: z.coerce.number().int().min(200).max(60_000).default(2000),
  /** Polls in the window that lag status is judged over (window = polls × interval). */
  OPS_WINDOW_SAMPLES: z.coerce.number().int().min(2).max(1000).default(10),
  /** Lag (records) below which a partition never warns. */
  OPS_WARN_MIN_LAG: z.coerce.number().int().min(0).default(100),
  /** Customers count as affected when their positions are older than this. */
  OPS_STALE_AFTER_S: z.coerce.number().min(1).default(10),
  OPS_HISTORY_MINUTES: z.coerce.number().int().min(1).max(240).default(15),
  /** Alert rules the ops role evaluates (docs/alerts.md); empty = none. */
  ALERT_RULES: z
    .string()
    .default(ALERT_RULES.join(','))
    .transform(csv)
    .pipe(z.array(z.enum(ALERT_RULES))),
  /** time-lag fires when the oldest unconsumed record is at least this old. */
  ALERT_TIME_LAG_S: z.coerce.number().positive().default(60),
  /** Statuses the status rule fires on. */
  ALERT_STATUSES: z
    .string()
    .default('STOP,STALL,REWIND')
    .transform(csv)
    .pipe(z.array(z.enum(LAG_STATUSES)).min(1)),
  /** catch-up fires when catching up would take at least this long (or never happens)… */
  ALERT_CATCH_UP_S: z.coerce.number().positive().default(600),
  /** …for a group at least this far behind in time (a few records in flight are not "behind"). */
  ALERT_CATCH_UP_MIN_TIME_LAG_S: z.coerce.number().min(0).default(30),
  /** retention-risk fires when records would be deleted unread within this long. */
  ALERT_RETENTION_RISK_S: z.coerce.number().positive().default(1800),
  /** A condition must hold this long (and two polls at least) before its alert fires… */
  ALERT_FOR_S: z.coerce.number().min(0).max(86_400).default(60),
  /** …and be clear this long before it resolves. */
  ALERT_RESOLVE_FOR_S: z.coerce.number().min(0).max(86_400).default(60),
  /** Clear means past threshold × this ratio (÷ for retention-risk), so values near it never flap. */
  ALERT_CLEAR_RATIO: z.coerce.number().gt(0).max(1).default(0.5),
  /** Where alert transitions are POSTed; unset = a log line each. */
  ALERT_WEBHOOK_URL: optionalUrl,
  ALERT_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** Alerts kept for GET /api/ops/alerts and the dashboard (firing ones always are). */
  ALERT_HISTORY: z.coerce.number().int().min(10).max(10_000).default(200),
  /** Road network GeoJSON to serve at /api/city.geojson, if any. */
  CITY_GEOJSON: z.string().optional(),
  /** Notify "nearby" when the ETA to the dropoff drops to this many minutes… */
  NOTIFY_NEARBY_MINUTES: z.coerce.number().min(0.5).max(120).default(5),
  /** …and the road distance left is at most this (docs/notifications.md)… */
  NOTIFY_NEARBY_RADIUS_M: z.coerce.number().min(50).max(20_000).default(1000),
  /** …and at least this long has passed since "picked up" (device time): never on its heels. */
  NOTIFY_NEARBY_AFTER_PICKUP_S: z.coerce.number().min(60).max(3600).default(60),
  /** "arrived" needs the courier within this radius of the dropoff… */
  NOTIFY_ARRIVAL_RADIUS_M: z.coerce.number().min(5).max(1000).default(60),
  /** …for at least this long. */
  NOTIFY_ARRIVAL_DWELL_S: z.coerce.number().min(0).max(3600).default(20),
  /** En route without movement or fixes this long is notified as delayed. */
  NOTIFY_STALL_S: z.coerce.number().min(10).max(86_400).default(180),
  /**
   * How long a notifications partition's state may run ahead of Redis while records flow:
   * chunks that decide nothing are written with the next chunk past this (0: every chunk). A
   * member taking the partition over reads what was not written again from the log
   * (consumers/notifications.ts).
   */
  NOTIFY_CHECKPOINT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Where notifications go: a log line, or a webhook (with retries). */
  NOTIFY_SINK: z.enum(['log', 'webhook']).default('log'),
  NOTIFY_WEBHOOK_URL: optionalUrl,
  NOTIFY_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /**
   * A parked notification still undelivered this long after it was first parked is
   * dead-lettered: kept, counted as dead, no longer retried on its own, until ops redrive it.
   */
  NOTIFY_PARKED_DEAD_AFTER_S: z.coerce.number().int().min(1).max(2_592_000).default(86_400),
  /** How long analytics time series and heat windows live after their last write. */
  ANALYTICS_RETENTION_S: z.coerce
    .number()
    .int()
    .min(120)
    .max(7 * 86400)
    .default(7200),
  /** Side of an analytics heat grid cell, degrees. */
  ANALYTICS_HEAT_CELL_DEG: z.coerce.number().min(0.0001).max(1).default(0.005),
  /** Segments implying a higher speed are left out of the distance (GPS jumps). */
  ANALYTICS_MAX_SPEED_MPS: z.coerce.number().positive().max(1000).default(60),
});

export type Env = z.infer<typeof EnvObject>;

/**
 * The environment of a process running `roles`: every variable, and the rules between them,
 * in one schema, so one parse reports every problem at once. The rules run even when some
 * variable is invalid (each looks only at what it needs, and only when that parsed).
 */
export function envSchema(roles: readonly Role[]) {
  return EnvObject.superRefine(
    (e, ctx) => {
      const issue = (variable: keyof Env, message: string) =>
        ctx.addIssue({ code: 'custom', path: [variable], message });
      const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
      if (roles.includes('gateway') && !e.OPS_TOKEN)
        issue('OPS_TOKEN', 'required by the gateway role');
      if (roles.includes('gateway') && !e.TRACKING_SECRET)
        issue('TRACKING_SECRET', 'required by the gateway role');
      if (
        isNumber(e.TOPIC_MIN_INSYNC_REPLICAS) &&
        isNumber(e.TOPIC_REPLICATION_FACTOR) &&
        e.TOPIC_MIN_INSYNC_REPLICAS > e.TOPIC_REPLICATION_FACTOR
      )
        issue('TOPIC_MIN_INSYNC_REPLICAS', 'must not exceed TOPIC_REPLICATION_FACTOR');
      if (e.KAFKA_SASL_MECHANISM && !e.KAFKA_SASL_USERNAME)
        issue('KAFKA_SASL_USERNAME', 'required with KAFKA_SASL_MECHANISM');
      if (e.KAFKA_SASL_MECHANISM && !e.KAFKA_SASL_PASSWORD)
        issue('KAFKA_SASL_PASSWORD', 'required with KAFKA_SASL_MECHANISM');
      if (e.NOTIFY_SINK === 'webhook' && !e.NOTIFY_WEBHOOK_URL)
        issue('NOTIFY_WEBHOOK_URL', 'required when NOTIFY_SINK=webhook');
      if (
        isNumber(e.DELIVERY_ABANDON_AFTER_S) &&
        isNumber(e.COURIER_OFFLINE_AFTER_S) &&
        e.DELIVERY_ABANDON_AFTER_S <= e.COURIER_OFFLINE_AFTER_S
      )
        issue('DELIVERY_ABANDON_AFTER_S', 'must exceed COURIER_OFFLINE_AFTER_S');
    },
    { when: () => true },
  );
}
