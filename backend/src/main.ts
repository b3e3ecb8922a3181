import { ROLES, loadConfig, type Role } from './config.js';
import type { AppContext, Stop } from './context.js';
import { AppError } from './errors.js';
import { createAdapters } from './infra/adapters.js';
import { openKafka } from './infra/kafka-adapters.js';
import { createLogger } from './infra/logger.js';
import { createRedis } from './infra/redis.js';
import { setupTopics } from './infra/topics.js';
import * as gateway from './gateway/server.js';
import * as livePush from './consumers/live-push.js';
import * as analytics from './consumers/analytics.js';
import * as notifications from './consumers/notifications.js';
import * as ops from './ops/lag-monitor.js';

const starters: Record<Exclude<Role, 'setup-topics'>, (ctx: AppContext) => Promise<Stop>> = {
  gateway: gateway.start,
  'live-push': livePush.start,
  analytics: analytics.start,
  notifications: notifications.start,
  ops: ops.start,
};

const usage = `usage: main.ts <role>... (roles: ${ROLES.join(', ')})`;

/** Start-up: loadConfig → build ctx → start the chosen roles → stop them in reverse on a signal. */
async function main(argv: string[]): Promise<void> {
  const roles = argv.filter((a): a is Role => (ROLES as readonly string[]).includes(a));
  const unknown = argv.filter((a) => !(ROLES as readonly string[]).includes(a));
  if (roles.length === 0 || unknown.length > 0) {
    process.stderr.write(
      `${unknown.length > 0 ? `unknown role: ${unknown.join(', ')}\n` : ''}${usage}\n`,
    );
    process.exit(2);
  }
  const config = loadConfig(roles);
  const log = createLogger({ ...config.log, name: roles.join('+') });
  const kafka = openKafka(config, log, `${config.kafka.clientId}-${roles.join('+')}`);

  // Topics first, always: consumers and producers never rely on auto-creation.
  await setupTopics(kafka, config, log);
  if (roles.length === 1 && roles[0] === 'setup-topics') return;

  const redis = await createRedis({ url: config.redis.url, log, name: roles.join('+') });
  const stops: Stop[] = [async () => void (await redis.quit())];
  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping');
    const force = setTimeout(() => process.exit(code || 1), 20_000);
    force.unref();
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => log.warn({ err }, 'error while stopping'));
    }
    process.exit(code);
  };
  const ctx: AppContext = {
    config,
    log,
    ...createAdapters({ kafka, redis }, config, log),
    fatal: (err) => {
      log.fatal({ err }, 'fatal error, exiting for the supervisor to restart');
      void shutdown('fatal', 1);
    },
  };
  // A promise nobody awaited that rejects is a bug whose state we cannot know: log it with its
  // stack and exit for the supervisor to restart, in order, rather than run on half-broken
  // (Node's default would exit too, but without our log line or an orderly stop).
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled promise rejection, exiting for the supervisor to restart');
    void shutdown('unhandledRejection', 1);
  });
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));

  for (const role of roles) {
    if (role === 'setup-topics') continue;
    stops.push(await starters[role](ctx));
  }
  log.info({ roles, instance: config.instanceId }, 'started');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message =
    err instanceof AppError ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err);
  process.stderr.write(`fleetstream backend: ${message}\n`);
  process.exit(1);
});
