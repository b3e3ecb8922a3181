import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@fleetstream/infra/host';
import {
  startManagedProcess,
  tailFile,
  type ManagedProcess,
} from '@fleetstream/infra/managed-process';
import { ensureWebBuild, run, tsNodeArgs } from '@fleetstream/infra/node-tasks';

export interface TestStackOptions {
  brokers: string;
  redisUrl: string;
  /** Backend roles, one process each. */
  roles: string[];
  /** Extra environment for the roles. */
  env?: Record<string, string>;
  /** Serve the built web app. @default false */
  web?: boolean;
}

export interface TestStack {
  baseUrl: string;
  port: number;
  /** Topic and group prefix of this stack. */
  namespace: string;
  env: Record<string, string>;
  opsToken: string;
  processes: ManagedProcess[];
  /** The process started under this name (the latest, if restarted under the same name). */
  process(name: string): ManagedProcess;
  /**
   * A process of this stack beside the roles (e.g. the simulator, a second gateway with its
   * own PORT in `env`), stopped with it.
   */
  spawn(name: string, entry: string, args: string[], env?: Record<string, string>): ManagedProcess;
  stop(): Promise<void>;
}

/**
 * `--cpu-prof` for the processes named in FLEETSTREAM_CPU_PROF (comma-separated, or `all`),
 * written to FLEETSTREAM_CPU_PROF_DIR/<name> (default artifacts/cpu-prof) when each exits: how the
 * benchmarks' roles are profiled under their real load.
 */
function profileArgs(name: string): string[] {
  const wanted = (process.env.FLEETSTREAM_CPU_PROF ?? '').split(',').map((s) => s.trim());
  if (!wanted.includes(name) && !wanted.includes('all')) return [];
  const dir = path.resolve(process.env.FLEETSTREAM_CPU_PROF_DIR ?? 'artifacts/cpu-prof');
  return ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, name)}`];
}

/**
 * The real backend roles as separate processes, like `npm start` runs them, on the test run's
 * Kafka and Redis with a namespace and key prefix of their own. Resolves when /healthz is 200.
 */
export async function startTestStack(o: TestStackOptions): Promise<TestStack> {
  const id = randomUUID().slice(0, 8);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fleetstream-stack-${id}-`));
  const port = await freePort();
  const opsToken = `ops-${randomUUID()}`;
  const env: Record<string, string> = {
    KAFKA_BROKERS: o.brokers,
    REDIS_URL: o.redisUrl,
    KAFKA_NAMESPACE: `s${id}.`,
    REDIS_PREFIX: `s${id}:`,
    PORT: String(port),
    HOST: '127.0.0.1',
    OPS_TOKEN: opsToken,
    TRACKING_SECRET: `secret-${randomUUID()}-${randomUUID()}`,
    LOG_FORMAT: 'json',
    TILE_URL: '',
    // A killed worker's partitions move on after 6 s, not 30.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    HEALTH_ROLES: o.roles.join(','),
    ...(o.web ? { WEB_DIST: await ensureWebBuild() } : {}),
    ...o.env,
  };
  const childEnv = { ...process.env, ...env };
  if (
    (await run(process.execPath, tsNodeArgs('backend/src/main.ts', ['setup-topics']), {
      env: childEnv,
    })) !== 0
  ) {
    throw new Error('setup-topics failed');
  }
  const processes: ManagedProcess[] = [];
  const spawn = (name: string, entry: string, args: string[], extra?: Record<string, string>) => {
    const p = startManagedProcess({
      name,
      command: process.execPath,
      args: [...profileArgs(name), ...tsNodeArgs(entry, args)],
      env: extra ? { ...childEnv, ...extra } : childEnv,
      logFile: path.join(dir, `${name}.log`),
    });
    processes.push(p);
    return p;
  };
  // A gateway always runs: its /healthz tells when every role of the stack is ready.
  const roles = o.roles.includes('gateway') ? o.roles : ['gateway', ...o.roles];
  for (const role of roles) spawn(role, 'backend/src/main.ts', [role]);
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop(10_000)));
    if (!process.env.FLEETSTREAM_KEEP_TEST_DATA) fs.rmSync(dir, { recursive: true, force: true });
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${baseUrl}/healthz`).catch(() => null);
    if (res?.status === 200) break;
    if (Date.now() > deadline) {
      const logs = processes.map((p) => `--- ${p.name}\n${tailFile(p.logFile, 10)}`).join('\n');
      await stop();
      throw new Error(`test stack not healthy within 60 s:\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const byName = (name: string) => {
    const p = processes.findLast((x) => x.name === name);
    if (!p) throw new Error(`no process ${name} in this stack`);
    return p;
  };
  return {
    baseUrl,
    port,
    namespace: env.KAFKA_NAMESPACE!,
    env,
    opsToken,
    processes,
    process: byName,
    spawn,
    stop,
  };
}
