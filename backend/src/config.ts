import { GROUPS, TOPICS, formatIssues } from '@fleetstream/contracts';
import { envSchema, type Env, type Role } from './config-env.js';
import { AppError } from './errors.js';

export { ROLES, type Role } from './config-env.js';

/**
 * The backend's configuration: one schema of environment variables (config-env.ts, with the
 * rules between them) and, here, the shape the code reads, its type inferred from how it is
 * built, so a setting is written down twice (its variable and its place), never three times.
 */
export type Config = DeepReadonly<ReturnType<typeof buildConfig>>;

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

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
  const parsed = envSchema(roles).safeParse(env);
  if (!parsed.success)
    // Every problem, not the first few: whoever starts it fixes them all in one go.
    throw new AppError(
      'CONFIG_INVALID',
      `invalid configuration: ${formatIssues(parsed.error, Infinity)}`,
    );
  return deepFreeze(buildConfig(roles, parsed.data));
}

/** The config's shape, grouped by concern, from the parsed environment. */
function buildConfig(roles: readonly Role[], e: Env) {
  const ns = (name: string) => `${e.KAFKA_NAMESPACE}${name}`;
  return {
    roles: [...roles],
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      locationPartitions: e.LOCATION_PARTITIONS,
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
      commitIntervalMs: e.KAFKA_COMMIT_INTERVAL_MS,
      /** Longest a live-push fetch waits for a fuller batch: latency against idle cost. */
      livePushFetchWaitMs: e.LIVE_PUSH_FETCH_WAIT_MS,
      /** After an empty live-push fetch, the next waits this long for any record (0: off). */
      livePushIdleFetchWaitMs: e.LIVE_PUSH_IDLE_FETCH_WAIT_MS,
      replicationFactor: e.TOPIC_REPLICATION_FACTOR,
      minInsyncReplicas: e.TOPIC_MIN_INSYNC_REPLICAS ?? (e.TOPIC_REPLICATION_FACTOR >= 3 ? 2 : 1),
      ssl: e.KAFKA_SSL,
      sasl: e.KAFKA_SASL_MECHANISM
        ? {
            mechanism: e.KAFKA_SASL_MECHANISM,
            username: e.KAFKA_SASL_USERNAME ?? '',
            password: e.KAFKA_SASL_PASSWORD ?? '',
          }
        : null,
    },
    /** Actual topic names, namespace applied. */
    topics: mapValues(TOPICS, ns),
    /** Actual consumer group ids, namespace applied. */
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
      checkpointMs: e.NOTIFY_CHECKPOINT_MS,
      parkedDeadAfterS: e.NOTIFY_PARKED_DEAD_AFTER_S,
      sink:
        e.NOTIFY_SINK === 'webhook'
          ? {
              kind: 'webhook' as const,
              url: e.NOTIFY_WEBHOOK_URL ?? '',
              attempts: e.NOTIFY_WEBHOOK_ATTEMPTS,
            }
          : { kind: 'log' as const },
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
      /** null = alerts are logged only. */
      webhook: e.ALERT_WEBHOOK_URL
        ? { url: e.ALERT_WEBHOOK_URL, attempts: e.ALERT_WEBHOOK_ATTEMPTS }
        : null,
      history: e.ALERT_HISTORY,
    },
    trackingTokenTtlS: e.TRACKING_TOKEN_TTL_S,
    /** Device-time limits, against the broker's timestamp. */
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
  };
}
