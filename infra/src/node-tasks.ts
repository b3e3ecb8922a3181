import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runStepOrFail } from './child-step.js';
import { repoRoot } from './paths.js';

/** Arguments that run a TypeScript entry point of this repo with Node (sources, no build). */
export function tsNodeArgs(entry: string, args: string[] = []): string[] {
  return ['--import', 'tsx', '--conditions=source', path.join(repoRoot, entry), ...args];
}

/** Runs a command with inherited output; resolves with its exit code. */
export function run(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: opts.cwd ?? repoRoot,
      env: opts.env ?? process.env,
      stdio: 'inherit',
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.once('error', () => resolve(127));
  });
}

function hashTree(hash: ReturnType<typeof createHash>, target: string) {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return;
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(target).sort()) {
      if (name === 'node_modules' || name === 'dist') continue;
      hashTree(hash, path.join(target, name));
    }
  } else {
    hash.update(path.relative(repoRoot, target));
    hash.update(fs.readFileSync(target));
  }
}

/**
 * Builds the web app unless nothing it is built from changed since the last build, so a second
 * `npm start` does not rebuild. Returns the dist folder. The build is an asynchronous child
 * with its output under `fleetstream [web build]`.
 */
export async function ensureWebBuild(): Promise<string> {
  const web = path.join(repoRoot, 'web');
  const dist = path.join(web, 'dist');
  const hash = createHash('sha256');
  for (const p of [
    'web/src',
    'web/index.html',
    'web/vite.config.ts',
    'web/package.json',
    'contracts/src',
    'package-lock.json',
  ]) {
    hashTree(hash, path.join(repoRoot, p));
  }
  const digest = hash.digest('hex');
  const stamp = path.join(dist, '.build-hash');
  const built = () => fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest;
  if (built()) return dist;
  // Test files run in parallel processes: one builds, the others wait for its stamp.
  const release = await lockDir(path.join(web, '.build.lock'));
  try {
    if (built()) return dist;
    await buildWeb();
    fs.writeFileSync(stamp, digest);
  } finally {
    release();
  }
  return dist;
}

async function buildWeb(): Promise<void> {
  process.stderr.write('fleetstream [web build] building the web app…\n');
  const r = await runStepOrFail(
    {
      step: 'web build',
      command: 'npm',
      args: ['run', 'build', '--silent', '-w', 'web'],
      // Vite lists every file it wrote; errors and warnings are what a reader needs.
      echo: (l) => /error|warn|fail/i.test(l),
    },
    'building the web app failed; fix the errors above.',
  );
  process.stderr.write(`fleetstream [web build] built in ${Math.round(r.elapsedMs / 1000)} s\n`);
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** A lock across processes: a directory holding the owner's pid; a dead owner's lock is taken over. */
async function lockDir(dir: string): Promise<() => void> {
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(path.join(dir, 'pid'), { encoding: 'utf8', flag: 'a+' }));
      if (pid > 0 && !pidAlive(pid)) fs.rmSync(dir, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
}
