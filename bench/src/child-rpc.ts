import { spawn } from 'node:child_process';
import { tsNodeArgs } from '@fleetstream/infra/node-tasks';

/** Children still running, killed if the benchmark exits without stopping them. */
const running = new Set<() => void>();
let exitHookInstalled = false;
function killOnExit(kill: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => running.forEach((k) => k()));
  }
  running.add(kill);
  return () => running.delete(kill);
}

/** A request to a child process, numbered so replies can come back in any order. */
interface Request<C> {
  id: number;
  command: C;
}

/** Its answer; id 0 is the child's "ready". */
type Reply<R> = { id: number; ok: true; value: R } | { id: number; ok: false; error: string };

export interface ChildRpc<C, R> {
  readonly pid: number;
  /**
   * Sends a command and resolves with the child's answer; rejects when the child is gone, or
   * has not answered within `timeoutMs`, so a stuck child cannot stall the benchmark.
   */
  ask(command: C, timeoutMs?: number): Promise<R>;
  /** Sends `command` (the child's own stop), waits for the exit; kills it after `graceMs`. */
  stop(command: C, graceMs?: number): Promise<void>;
}

/**
 * Starts a TypeScript entry point of the benchmark as a process of its own, driven over IPC, so
 * its CPU and event loop are measured apart from the rest; the child answers with `serveParent`.
 */
export async function startChild<C, R>(
  name: string,
  entry: string,
  args: string[] = [],
): Promise<ChildRpc<C, R>> {
  const child = spawn(process.execPath, tsNodeArgs(entry, args), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid ?? -1;
  const kill = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const forget = killOnExit(kill);
  let nextId = 1;
  const waiting = new Map<number, (r: Reply<R>) => void>();
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  let exited: string | null = null;
  child.on('message', (raw) => {
    const r = raw as Reply<R>;
    if (r.id === 0) ready();
    waiting.get(r.id)?.(r);
    waiting.delete(r.id);
  });
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exit ${code ?? signal}`;
      forget();
      for (const w of waiting.values()) w({ id: -1, ok: false, error: `${name} is gone` });
      waiting.clear();
      resolve();
    }),
  );
  await Promise.race([
    started,
    gone.then(() => {
      throw new Error(`${name} did not start (${exited})`);
    }),
  ]);

  const ask = (command: C, timeoutMs = 30_000) =>
    new Promise<R>((resolve, reject) => {
      if (exited) return reject(new Error(`${name} is gone (${exited})`));
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`${name} did not answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      waiting.set(id, (r) => {
        clearTimeout(timer);
        if (r.ok) resolve(r.value);
        else reject(new Error(r.error));
      });
      child.send({ id, command } satisfies Request<C>);
    });

  return {
    pid,
    ask,
    async stop(command, graceMs = 30_000) {
      if (exited) return;
      const timer = setTimeout(kill, graceMs);
      await ask(command, graceMs).catch(() => undefined);
      await gone;
      clearTimeout(timer);
    },
  };
}

/**
 * The child's side: answers each command with `handle`'s result (or its error), and tells the
 * parent it is ready. After answering a command for which `isLast` holds it lets go of the
 * parent and ends; the parent gone means the benchmark is over, whatever state it left.
 */
export function serveParent<C, R>(
  handle: (command: C) => R | Promise<R>,
  isLast: (command: C) => boolean,
): void {
  process.on('message', (raw) => {
    const { id, command } = raw as Request<C>;
    const reply = (r: Reply<R>) =>
      process.send?.(r, undefined, undefined, () => {
        if (isLast(command)) process.disconnect();
      });
    void Promise.resolve()
      .then(() => handle(command))
      .then(
        (value) => reply({ id, ok: true, value }),
        (err: unknown) =>
          reply({ id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
  process.send?.({ id: 0, ok: true, value: null });
}
