import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { AnalyticsSummary } from '@fleetstream/contracts';
import { freePort } from '../host.js';
import { repoRoot } from '../paths.js';

/** Every descendant of `pid`, read from /proc (children keep their parent even when detached). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetstream-start-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** The environment of `npm start` on this test's data dir, on ports of its own. */
async function startEnv() {
  const [port, kafkaPort, controllerPort, redisPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const env = {
    ...process.env,
    FLEETSTREAM_DATA_DIR: dataDir,
    PORT: String(port),
    KAFKA_PORT: String(kafkaPort),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    REDIS_PORT: String(redisPort),
    FLEET_SIZE: '5',
    KAFKA_BROKERS: '',
    REDIS_URL: '',
  };
  return { port, env };
}

/**
 * `npm start` in its own process group, like a shell job (Ctrl-C is SIGINT to the whole group),
 * resolved once the launcher says it is running (or failed).
 */
async function npmStart(env: NodeJS.ProcessEnv) {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'infra/scripts/bootstrap.mjs'), 'start'],
    {
      cwd: repoRoot,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  await expect
    .poll(() => output, { timeout: 180_000, interval: 500 })
    .toMatch(/Press Ctrl-C to stop everything|fleetstream: .*(failed|not)/);
  expect(output, output).toContain('fleetstream is running');
  return { child, exited, output: () => output };
}

it(
  'npm start brings up a healthy stack and Ctrl-C leaves no process behind',
  { timeout: 240_000 },
  async () => {
    const { port, env } = await startEnv();
    const { child, exited } = await npmStart(env);
    // Every role reported ready before the launcher printed; under a loaded test machine a
    // heartbeat can lag, so wait for the answer rather than take the first one.
    let body: { components: { roles: Record<string, { ok: boolean }> } } | null = null;
    await expect
      .poll(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          body = (await res.json()) as typeof body;
          return res.status;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(200);
    expect(body!.components.roles['live-push']?.ok).toBe(true);

    // A second start on the same data dir refuses instead of corrupting it.
    const second = spawn(
      process.execPath,
      [path.join(repoRoot, 'infra/scripts/bootstrap.mjs'), 'start'],
      { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let secondOut = '';
    second.stderr.on('data', (d: Buffer) => (secondOut += d.toString()));
    second.stdout.on('data', (d: Buffer) => (secondOut += d.toString()));
    const secondCode = await new Promise((resolve) => second.once('exit', resolve));
    expect(secondCode).not.toBe(0);
    expect(secondOut).toMatch(/already running/);

    const tree = descendants(child.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(5); // kafka, redis, gateway, live-push, simulator
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    await expect.poll(() => tree.filter(alive), { timeout: 30_000, interval: 250 }).toEqual([]);
  },
);

it(
  'a second npm start on the same data dir: its demo fleet (the same driver ids) is in analytics within a minute',
  { timeout: 240_000 },
  async () => {
    // The test above ran the first fleet on this data dir; Redis and Kafka kept its state.
    const { port, env } = await startEnv();
    const run = await npmStart(env);
    try {
      const opsToken = /Ops token\s+(\S+)/.exec(run.output())?.[1];
      expect(opsToken, run.output()).toBeDefined();
      const summary = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/api/analytics/summary`, {
          headers: { Authorization: `Bearer ${opsToken}` },
        });
        return (await res.json()) as AnalyticsSummary;
      };
      const before = await summary();
      expect(before.fixes).toBeGreaterThan(0);
      // Each driver's new session superseded the first run's, and its fixes count: with seq
      // compared across runs they would all be skipped as duplicates until seq passed the first
      // run's last one.
      await expect
        .poll(async () => (await summary()).sessionsStarted, { timeout: 60_000, interval: 1000 })
        .toBeGreaterThanOrEqual(5);
      await expect
        .poll(async () => (await summary()).fixes, { timeout: 60_000, interval: 1000 })
        .toBeGreaterThanOrEqual(before.fixes + 5 * 5);
      const after = await summary();
      expect(after.activeDrivers).toBe(5);
      console.log(
        `second npm start: fixes ${before.fixes} → ${after.fixes}, ${after.sessionsStarted} sessions started`,
      );
    } finally {
      process.kill(-run.child.pid!, 'SIGINT');
      await run.exited;
    }
  },
);
