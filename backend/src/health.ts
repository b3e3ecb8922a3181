import type { AppContext, Stop } from './context.js';

/** How often each role reports, and after how long a silent report counts as down. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
export const HEARTBEAT_STALE_MS = 10_000;

export interface RoleReport {
  role: string;
  instance: string;
  ready: boolean;
  /** Epoch ms of this report. */
  at: number;
  /** Role-specific figures, e.g. records consumed. */
  detail: Record<string, unknown>;
}

/**
 * Publishes this role's readiness every couple of seconds (ctx.stores.health), so /healthz on
 * any gateway can tell whether every role of the deployment is up.
 */
export function startHeartbeat(
  ctx: AppContext,
  role: string,
  probe: () => { ready: boolean; detail?: Record<string, unknown> },
): Stop {
  const field = `${role}/${ctx.config.instanceId}`;
  const beat = async () => {
    const p = probe();
    const report: RoleReport = {
      role,
      instance: ctx.config.instanceId,
      ready: p.ready,
      at: Date.now(),
      detail: p.detail ?? {},
    };
    await ctx.stores.health.put(field, JSON.stringify(report));
  };
  const timer = setInterval(() => {
    beat().catch((err: unknown) => ctx.log.warn({ err }, 'heartbeat failed'));
  }, HEARTBEAT_INTERVAL_MS);
  void beat().catch(() => undefined);
  return async () => {
    clearInterval(timer);
    await ctx.stores.health.remove(field).catch(() => undefined);
  };
}

/** Every fresh report, dropping (and deleting) those silent for too long. */
export async function readRoleReports(ctx: AppContext, now = Date.now()): Promise<RoleReport[]> {
  const all = await ctx.stores.health.all();
  const fresh: RoleReport[] = [];
  const stale: string[] = [];
  for (const [field, raw] of Object.entries(all)) {
    try {
      const r = JSON.parse(raw) as RoleReport;
      if (now - r.at <= HEARTBEAT_STALE_MS) fresh.push(r);
      else if (now - r.at > 6 * HEARTBEAT_STALE_MS) stale.push(field);
    } catch {
      stale.push(field);
    }
  }
  if (stale.length > 0) await ctx.stores.health.remove(...stale);
  return fresh;
}
