import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * What to kill if the launcher exits first: one 'exit' listener for every child (a Redis
 * Cluster, a broker and the roles are more children than Node's 10 listeners per event).
 */
const killedOnExit = new Set<() => void>();
const killAllOnExit = () => {
  for (const kill of killedOnExit) kill();
};

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended here. */
  logFile: string;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends, however it ends. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a child in its own process group with its output in a log file, so that stopping it
 * also stops anything it started and a crash leaves a log behind to read.
 */
export function startManagedProcess(opts: ManagedProcessOptions): ManagedProcess {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => resolve(err.message));
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  // The launcher may die without cleaning up; never leave a broker or a role running then.
  const onExit = () => signalGroup('SIGKILL');
  killedOnExit.add(onExit);
  if (killedOnExit.size === 1) process.once('exit', killAllOnExit);
  void exited.then(() => {
    killedOnExit.delete(onExit);
    if (killedOnExit.size === 0) process.removeListener('exit', killAllOnExit);
  });

  return {
    name: opts.name,
    pid: child.pid ?? -1,
    logFile: opts.logFile,
    child,
    exited,
    async stop(graceMs = 15_000) {
      if (done) return;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last `lines` lines of a log file, for error messages. */
export function tailFile(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
