import os from 'node:os';
import { z } from 'zod';
import {
  ALERT_RULES,
  DEFAULT_LOCATION_PARTITIONS,
  GROUPS,
  LAG_STATUSES,
  TOPICS,
  formatIssues,
  type AlertRule,
  type LagStatus,
} from '@fleetstream/contracts';
import { AppError } from './errors.js';

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

const EnvSchema = z.object({
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
  LIVE_PUSH_FETCH_WAIT_MS: z.coerce.number().int().min(1).max(1000).default(10),
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
  /**
   * Fault injection for the reliability tests: consumers wait this long between applying a
   * chunk and resolving its offsets, widening the window a crash can fall into. Never set it
   * in production.
   */
  FAULT_APPLY_TO_COMMIT_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(0),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key we write. */
  REDIS_PREFIX: z.string().min(1).default('fleetstream:'),
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

export interface Config {
  readonly roles: readonly Role[];
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly locationPartitions: number;
    readonly sessionTimeoutMs: number;
    readonly commitIntervalMs: number;
    /** Longest a live-push fetch waits for a fuller batch: latency against idle cost. */
    readonly livePushFetchWaitMs: number;
    /** After an empty live-push fetch, the next waits this long for any record (0: off). */
    readonly livePushIdleFetchWaitMs: number;
    readonly faultApplyToCommitDelayMs: number;
    readonly replicationFactor: number;
    readonly minInsyncReplicas: number;
    readonly ssl: boolean;
    readonly sasl: {
      readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
      readonly username: string;
      readonly password: string;
    } | null;
  };
  /** Actual topic names, namespace applied. */
  readonly topics: { readonly [K in keyof typeof TOPICS]: string };
  /** Actual consumer group ids, namespace applied. */
  readonly groups: { readonly [K in keyof typeof GROUPS]: string };
  readonly redis: { readonly url: string; readonly prefix: string };
  readonly http: {
    readonly port: number;
    readonly host: string;
    readonly webDist: string | undefined;
    readonly allowedOrigins: readonly string[];
    readonly tileUrl: string | null;
    readonly tileAttribution: string;
    readonly cityGeoJson: string | undefined;
    /** Wrong ops tokens per client address and window before 429s. */
    readonly authMaxFailures: number;
    readonly authWindowS: number;
    readonly staleAfterS: number;
    readonly deadReckonS: number;
  };
  readonly ws: {
    readonly maxBufferedBytes: number;
    readonly pingIntervalMs: number;
    readonly handshakesPerS: number;
    /** Replays played at once by one gateway. @default 8 */
    readonly maxReplays: number;
  };
  readonly couriers: {
    /** Silent this long, a courier is offline (COURIER_OFFLINE_AFTER_S). @default 60 */
    readonly offlineAfterS: number;
  };
  readonly deliveries: {
    /** Silent this long, a delivery leaves the active set (DELIVERY_ABANDON_AFTER_S). @default 1800 */
    readonly abandonAfterS: number;
  };
  readonly notifications: {
    readonly nearbyMinutes: number;
    readonly nearbyRadiusM: number;
    readonly nearbyAfterPickupS: number;
    readonly arrivalRadiusM: number;
    readonly arrivalDwellS: number;
    readonly stallS: number;
    readonly parkedDeadAfterS: number;
    readonly sink:
      | { readonly kind: 'log' }
      | { readonly kind: 'webhook'; readonly url: string; readonly attempts: number };
  };
  readonly ops: {
    readonly pollIntervalMs: number;
    readonly windowSamples: number;
    readonly warnMinLag: number;
    readonly staleAfterS: number;
    readonly historyMinutes: number;
  };
  /** Alert rules of the ops role and where they go (ALERT_*, docs/alerts.md). */
  readonly alerts: {
    readonly rules: readonly AlertRule[];
    readonly timeLagS: number;
    readonly statuses: readonly LagStatus[];
    readonly catchUpS: number;
    readonly catchUpMinTimeLagS: number;
    readonly retentionRiskS: number;
    readonly forS: number;
    readonly resolveForS: number;
    readonly clearRatio: number;
    /** null = alerts are logged only. */
    readonly webhook: { readonly url: string; readonly attempts: number } | null;
    readonly history: number;
  };
  readonly trackingTokenTtlS: number;
  /** Device-time limits, against the broker's timestamp. */
  readonly records: { readonly maxFutureMs: number; readonly maxAgeMs: number };
  readonly opsToken: string | undefined;
  readonly trackingSecret: string | undefined;
  readonly healthRoles: readonly string[];
  readonly log: { readonly level: string; readonly pretty: boolean };
  readonly instanceId: string;
  readonly analytics: {
    readonly retentionS: number;
    readonly heatCellDeg: number;
    readonly maxSpeedMps: number;
  };
}

function deepFreeze<T>(o: T): T {
  for (const v of Object.values(o as object)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}

function mapValues<T extends Record<string, string>>(
  o: T,
  f: (v: string) => string,
): { [K in keyof T]: string } {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as {
    [K in keyof T]: string;
  };
}

/**
 * Parses the environment once, reporting every bad variable by name, and returns a frozen
 * config. The only place that reads process.env (STYLE.md §1).
 */
export function loadConfig(roles: readonly Role[], env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success)
    throw new AppError('CONFIG_INVALID', `invalid configuration: ${formatIssues(parsed.error)}`);
  const e = parsed.data;
  const missing: string[] = [];
  if (roles.includes('gateway') && !e.OPS_TOKEN)
    missing.push('OPS_TOKEN: required by the gateway role');
  if (roles.includes('gateway') && !e.TRACKING_SECRET)
    missing.push('TRACKING_SECRET: required by the gateway role');
  const minInsyncReplicas =
    e.TOPIC_MIN_INSYNC_REPLICAS ?? (e.TOPIC_REPLICATION_FACTOR >= 3 ? 2 : 1);
  if (minInsyncReplicas > e.TOPIC_REPLICATION_FACTOR)
    missing.push('TOPIC_MIN_INSYNC_REPLICAS: must not exceed TOPIC_REPLICATION_FACTOR');
  if (e.KAFKA_SASL_MECHANISM && (!e.KAFKA_SASL_USERNAME || !e.KAFKA_SASL_PASSWORD))
    missing.push('KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM');
  if (e.NOTIFY_SINK === 'webhook' && !e.NOTIFY_WEBHOOK_URL)
    missing.push('NOTIFY_WEBHOOK_URL: required when NOTIFY_SINK=webhook');
  if (e.DELIVERY_ABANDON_AFTER_S <= e.COURIER_OFFLINE_AFTER_S)
    missing.push('DELIVERY_ABANDON_AFTER_S: must exceed COURIER_OFFLINE_AFTER_S');
  if (missing.length > 0)
    throw new AppError('CONFIG_INVALID', `invalid configuration: ${missing.join('; ')}`);
  const ns = (name: string) => `${e.KAFKA_NAMESPACE}${name}`;
  return deepFreeze({
    roles: [...roles],
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      locationPartitions: e.LOCATION_PARTITIONS,
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
      commitIntervalMs: e.KAFKA_COMMIT_INTERVAL_MS,
      livePushFetchWaitMs: e.LIVE_PUSH_FETCH_WAIT_MS,
      livePushIdleFetchWaitMs: e.LIVE_PUSH_IDLE_FETCH_WAIT_MS,
      faultApplyToCommitDelayMs: e.FAULT_APPLY_TO_COMMIT_DELAY_MS,
      replicationFactor: e.TOPIC_REPLICATION_FACTOR,
      minInsyncReplicas,
      ssl: e.KAFKA_SSL,
      sasl: e.KAFKA_SASL_MECHANISM
        ? {
            mechanism: e.KAFKA_SASL_MECHANISM,
            username: e.KAFKA_SASL_USERNAME ?? '',
            password: e.KAFKA_SASL_PASSWORD ?? '',
          }
        : null,
    },
    topics: mapValues(TOPICS, ns),
    groups: mapValues(GROUPS, ns),
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    http: {
      port: e.PORT,
      host: e.HOST,
      webDist: e.WEB_DIST,
      allowedOrigins: e.ALLOWED_ORIGINS,
      tileUrl: e.TILE_URL || null,
      tileAttribution: e.TILE_ATTRIBUTION,
      cityGeoJson: e.CITY_GEOJSON,
      authMaxFailures: e.OPS_AUTH_MAX_FAILURES,
      authWindowS: e.OPS_AUTH_WINDOW_S,
      staleAfterS: e.TRACK_STALE_AFTER_S,
      deadReckonS: e.TRACK_DEAD_RECKON_S,
    },
    ws: {
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      pingIntervalMs: e.WS_PING_INTERVAL_MS,
      handshakesPerS: e.WS_HANDSHAKES_PER_S,
      maxReplays: e.REPLAY_MAX_PER_GATEWAY,
    },
    couriers: { offlineAfterS: e.COURIER_OFFLINE_AFTER_S },
    deliveries: { abandonAfterS: e.DELIVERY_ABANDON_AFTER_S },
    notifications: {
      nearbyMinutes: e.NOTIFY_NEARBY_MINUTES,
      nearbyRadiusM: e.NOTIFY_NEARBY_RADIUS_M,
      nearbyAfterPickupS: e.NOTIFY_NEARBY_AFTER_PICKUP_S,
      arrivalRadiusM: e.NOTIFY_ARRIVAL_RADIUS_M,
      arrivalDwellS: e.NOTIFY_ARRIVAL_DWELL_S,
      stallS: e.NOTIFY_STALL_S,
      parkedDeadAfterS: e.NOTIFY_PARKED_DEAD_AFTER_S,
      sink:
        e.NOTIFY_SINK === 'webhook'
          ? {
              kind: 'webhook',
              url: e.NOTIFY_WEBHOOK_URL ?? '',
              attempts: e.NOTIFY_WEBHOOK_ATTEMPTS,
            }
          : { kind: 'log' },
    },
    ops: {
      pollIntervalMs: e.OPS_POLL_INTERVAL_MS,
      windowSamples: e.OPS_WINDOW_SAMPLES,
      warnMinLag: e.OPS_WARN_MIN_LAG,
      staleAfterS: e.OPS_STALE_AFTER_S,
      historyMinutes: e.OPS_HISTORY_MINUTES,
    },
    alerts: {
      rules: e.ALERT_RULES,
      timeLagS: e.ALERT_TIME_LAG_S,
      statuses: e.ALERT_STATUSES,
      catchUpS: e.ALERT_CATCH_UP_S,
      catchUpMinTimeLagS: e.ALERT_CATCH_UP_MIN_TIME_LAG_S,
      retentionRiskS: e.ALERT_RETENTION_RISK_S,
      forS: e.ALERT_FOR_S,
      resolveForS: e.ALERT_RESOLVE_FOR_S,
      clearRatio: e.ALERT_CLEAR_RATIO,
      webhook: e.ALERT_WEBHOOK_URL
        ? { url: e.ALERT_WEBHOOK_URL, attempts: e.ALERT_WEBHOOK_ATTEMPTS }
        : null,
      history: e.ALERT_HISTORY,
    },
    trackingTokenTtlS: e.TRACKING_TOKEN_TTL_S,
    records: { maxFutureMs: e.RECORD_MAX_FUTURE_MS, maxAgeMs: e.RECORD_MAX_AGE_MS },
    opsToken: e.OPS_TOKEN,
    trackingSecret: e.TRACKING_SECRET,
    healthRoles: e.HEALTH_ROLES,
    log: {
      level: e.LOG_LEVEL,
      pretty: (e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty',
    },
    instanceId: e.INSTANCE_ID,
    analytics: {
      retentionS: e.ANALYTICS_RETENTION_S,
      heatCellDeg: e.ANALYTICS_HEAT_CELL_DEG,
      maxSpeedMps: e.ANALYTICS_MAX_SPEED_MPS,
    },
  });
}
