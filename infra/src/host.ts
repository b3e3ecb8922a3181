import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { runStep, runStepOrFail } from './child-step.js';
import { LaunchError } from './launch-error.js';

/** True when `name` is an executable on PATH (read from the file system: no child process). */
export function hasCommand(name: string, envPath = process.env.PATH ?? ''): boolean {
  return envPath
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        fs.accessSync(path.join(dir, name), fs.constants.X_OK);
        return fs.statSync(path.join(dir, name)).isFile();
      } catch {
        return false;
      }
    });
}

/** Stops with one line naming what to install when a required command is missing. */
export function requireCommand(name: string, install: string): void {
  if (!hasCommand(name)) throw new LaunchError(`${name} not found: install ${install}.`);
}

/** Java 17+ and Maven 3.8+, which run and fetch the local Kafka broker. */
export async function requireJavaAndMaven(): Promise<void> {
  requireCommand('java', 'Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)');
  const r = await runStep({ step: 'java', command: 'java', args: ['-version'], silent: true });
  const major = Number(/version "(\d+)/.exec(r.stderr + r.stdout)?.[1] ?? '0');
  if (major < 17) throw new LaunchError(`Java ${major} is too old: install Java 17 or newer.`);
  requireCommand('mvn', 'Maven 3.8 or newer (Debian: apt-get install maven)');
}

let aptUpdated = false;
/** apt holds one lock for the whole system: our installs take turns instead of failing. */
let aptQueue: Promise<unknown> = Promise.resolve();

/**
 * Installs a Debian package when we are root on a system with apt-get; otherwise stops with one
 * line saying what to install. Idempotent: a package already present is not installed again.
 * Runs as an asynchronous child, so other start-up tasks go on meanwhile.
 */
export function aptInstall(pkg: string, what: string, command = pkg): Promise<void> {
  const task = aptQueue.then(async () => {
    if (hasCommand(command)) return;
    const isRoot = process.getuid?.() === 0;
    if (!isRoot || !hasCommand('apt-get')) {
      throw new LaunchError(
        `${what} not found: install the Debian package ${pkg} (apt-get install ${pkg}).`,
      );
    }
    const step = `apt ${pkg}`;
    process.stderr.write(
      `fleetstream [${step}] installing ${pkg} with apt-get (first run only)…\n`,
    );
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // Another apt (unattended upgrades, a second launcher) may hold the lock for a while.
    const lock = ['-o', 'DPkg::Lock::Timeout=300'];
    const install = () =>
      runStep({
        step,
        command: 'apt-get',
        args: [...lock, 'install', '-y', '-q', '--no-install-recommends', pkg],
        env,
        echo: (l) => /^(Get:|Setting up|Unpacking|E:|W:)/.test(l),
      });
    let r = aptUpdated ? await install() : { code: 1, tail: '' };
    if (r.code !== 0) {
      await runStepOrFail(
        {
          step,
          command: 'apt-get',
          args: [...lock, 'update', '-q'],
          env,
          echo: (l) => /^E:/.test(l),
        },
        `apt-get update failed: install ${pkg} by hand.`,
      );
      aptUpdated = true;
      r = await install();
    }
    if (r.code !== 0)
      throw new LaunchError(`apt-get install ${pkg} failed: install ${pkg} by hand.\n${r.tail}`);
    if (!hasCommand(command))
      throw new LaunchError(`${command} not found after installing ${pkg}: install it by hand.`);
  });
  aptQueue = task.catch(() => undefined);
  return task;
}

/** Whether `port` on 127.0.0.1 can be bound right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

/** Resolves when `port` on 127.0.0.1 can be bound; otherwise names the port and its variable. */
export async function requirePortFree(port: number, variable: string): Promise<void> {
  if (!(await portFree(port))) {
    throw new LaunchError(
      `port ${port} is already in use: stop what uses it or choose another port with ${variable}=<port>.`,
    );
  }
}

/** A free TCP port on 127.0.0.1, for test runs beside a running dev stack. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock on a data dir so a second launcher cannot corrupt it. A lock left by
 * a dead process is taken over. Returns the release function.
 */
export function lockDataDir(dir: string, what: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'launcher.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (pid > 0 && pidAlive(pid)) {
        throw new LaunchError(
          `${what} is already running (pid ${pid}, data dir ${dir}): stop it first (Ctrl-C in its terminal).`,
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new LaunchError(`could not lock ${dir}`);
}
