import { spawn } from 'node:child_process';
import { LaunchError } from './launch-error.js';
import { repoRoot } from './paths.js';

export interface StepOptions {
  /** Names the step in every line it prints, e.g. `kafka jars`. */
  step: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed. */
  input?: string;
  /**
   * Which output lines to echo under the step's prefix. @default every line. Lines not echoed
   * are still kept for the error message.
   */
  echo?: (line: string) => boolean;
  /** Lines that count as progress (e.g. Maven's "Downloaded from"), shown as a running count. */
  progress?: { matches: RegExp; noun: string };
  /** How often a quiet step says it is still running. @default 10_000 */
  heartbeatMs?: number;
  /** No prefixed output at all (quick probes whose output the caller reads). */
  silent?: boolean;
}

export interface StepResult {
  /** Exit code; 127 when the command could not be started. */
  code: number;
  stdout: string;
  stderr: string;
  /** The last lines of combined output, for an error message. */
  tail: string;
  elapsedMs: number;
}

const TAIL_LINES = 15;

/**
 * Runs one launcher step as an asynchronous child: the event loop keeps serving every other
 * start-up task (a blocking child froze Redis's readiness loop for a whole Maven download).
 * Output is streamed line by line under `fleetstream [step]`, with a heartbeat naming the
 * elapsed time so a long first-run fetch never looks hung.
 */
export function runStep(o: StepOptions): Promise<StepResult> {
  const started = Date.now();
  const say = (line: string) => {
    if (!o.silent) process.stderr.write(`fleetstream [${o.step}] ${line}\n`);
  };
  return new Promise((resolve) => {
    const child = spawn(o.command, o.args, {
      cwd: o.cwd ?? repoRoot,
      env: o.env ?? process.env,
      stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    const tail: string[] = [];
    let counted = 0;
    let lastSpoke = Date.now();
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (o.progress?.matches.test(line)) counted++;
      else if (line.trim() && (o.echo?.(line) ?? true)) {
        say(line);
        lastSpoke = Date.now();
      }
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      child[stream]!.setEncoding('utf8');
      child[stream]!.on('data', (chunk: string) => {
        out[stream] += chunk;
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(onLine);
      });
      child[stream]!.on('end', () => partial && onLine(partial));
    }
    if (o.input !== undefined) child.stdin!.end(o.input);
    const heartbeatMs = o.heartbeatMs ?? 10_000;
    const heartbeat = setInterval(() => {
      if (Date.now() - lastSpoke < heartbeatMs - 50) return;
      const secs = Math.round((Date.now() - started) / 1000);
      say(
        o.progress
          ? `${counted} ${o.progress.noun} so far, ${secs} s…`
          : `still running, ${secs} s…`,
      );
      lastSpoke = Date.now();
    }, heartbeatMs);
    heartbeat.unref();
    let settled = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearInterval(heartbeat);
      resolve({ code, ...out, tail: tail.join('\n'), elapsedMs: Date.now() - started });
    };
    child.once('error', (err) => {
      tail.push(err.message);
      finish(127);
    });
    child.once('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

/** Runs a step and throws a LaunchError naming it, with its last output, when it fails. */
export async function runStepOrFail(o: StepOptions, whatToDo: string): Promise<StepResult> {
  const r = await runStep(o);
  if (r.code !== 0) {
    throw new LaunchError(
      `${o.step} failed (exit ${r.code}): ${whatToDo}${r.tail ? `\n${indent(r.tail)}` : ''}`,
    );
  }
  return r;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
