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

/** `npm start` in its own process group, like a shell job: Ctrl-C is SIGINT to the whole group. */
function startLauncher(env: NodeJS.ProcessEnv) {
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
  return { child, output: () => output, exited };
}

it('a bad variable stops npm start before anything starts, naming the variable and its rule', async () => {
  const dir = path.join(os.tmpdir(), `fleetstream-bad-config-${process.pid}`);
  const { output, exited } = startLauncher({
    ...process.env,
    OPS_TOKEN: 'short',
    FLEETSTREAM_DATA_DIR: dir,
  });
  expect(await exited).toBe(1);
  expect(output()).toContain(
    'fleetstream: invalid configuration: OPS_TOKEN: at least 16 characters',
  );
  expect(output()).not.toMatch(/starting|building|fetching/);
  expect(fs.existsSync(dir), 'nothing was created').toBe(false);
});

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
  const { child, output, exited } = startLauncher(env);
  await expect
    .poll(output, { timeout: 180_000, interval: 500 })
    .toMatch(/Press Ctrl-C to stop everything|fleetstream: .*(failed|not)/);
  expect(output(), output()).toContain('fleetstream is running');
  return { child, exited, output };
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

/**
 * A fresh machine: no Kafka jars, no redis-server, and a Maven and an apt-get that take their
 * time (stand-ins first on PATH that sleep 20 s, then do the work). Installs once blocked the
 * launcher's event loop, so Redis's 15 s readiness deadline passed during the Maven download;
 * 20 s is past that deadline.
 */
it(
  'a first run whose Maven and apt-get take 20 s each still brings Redis and Kafka up',
  { timeout: 300_000 },
  async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetstream-first-run-'));
    try {
      const standIns = path.join(root, 'stand-ins');
      const system = path.join(root, 'system');
      fs.mkdirSync(standIns);
      fs.mkdirSync(system);
      // Everything the machine has on PATH, except redis-server: it is "not installed yet".
      const seen = new Set<string>();
      for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
        let names: string[] = [];
        try {
          names = fs.readdirSync(dir);
        } catch {
          continue;
        }
        for (const name of names) {
          if (seen.has(name) || name === 'mvn' || name === 'apt-get') continue;
          seen.add(name);
          if (name !== 'redis-server')
            fs.symlinkSync(path.join(dir, name), path.join(system, name));
        }
      }
      const realRedis = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) =>
        fs.existsSync(p),
      );
      expect(realRedis, 'npm test installs redis-server before the tests').toBeDefined();
      fs.writeFileSync(
        path.join(standIns, 'mvn'),
        `#!/bin/sh\ntouch ${root}/mvn-ran\nsleep 20\nexec /usr/bin/mvn "$@"\n`,
        { mode: 0o755 },
      );
      // apt-get's real work, as far as a test may do it: redis-server appears on PATH.
      fs.writeFileSync(
        path.join(standIns, 'apt-get'),
        [
          '#!/bin/sh',
          'case " $* " in *" install "*)',
          `  touch ${root}/apt-ran; sleep 20`,
          `  ln -sf ${realRedis} ${system}/redis-server; echo "Setting up redis-server";;`,
          'esac',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const [port, kafkaPort, controllerPort, redisPort] = [
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      const { child, output, exited } = startLauncher({
        ...process.env,
        PATH: `${standIns}${path.delimiter}${system}`,
        FLEETSTREAM_DATA_DIR: path.join(root, 'data'),
        FLEETSTREAM_KAFKA_JARS_DIR: path.join(root, 'jars'),
        PORT: String(port),
        KAFKA_PORT: String(kafkaPort),
        KAFKA_CONTROLLER_PORT: String(controllerPort),
        REDIS_PORT: String(redisPort),
        FLEET_SIZE: '0',
        KAFKA_BROKERS: '',
        REDIS_URL: '',
      });
      try {
        await expect
          .poll(output, { timeout: 240_000, interval: 500 })
          .toMatch(/Press Ctrl-C to stop everything|fleetstream: .*(failed|not )/);
        expect(output(), output()).toContain('fleetstream is running');
        expect(fs.existsSync(path.join(root, 'mvn-ran')), 'the launcher ran mvn').toBe(true);
        expect(fs.existsSync(path.join(root, 'apt-ran')), 'the launcher ran apt-get').toBe(true);
        expect(output()).toMatch(/\[kafka jars\] \d+ jars ready in ([2-9]\d|\d{3,}) s/);
        expect(output()).toMatch(/\[apt redis-server\] Setting up redis-server/);
        await expect
          .poll(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status, {
            timeout: 30_000,
            interval: 500,
          })
          .toBe(200);
      } finally {
        process.kill(-child.pid!, 'SIGINT');
        await exited;
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
);
