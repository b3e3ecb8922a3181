import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LaunchError } from './launch-error.js';
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
 * `npm start` does not rebuild. Returns the dist folder.
 */
export function ensureWebBuild(): string {
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
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) return dist;
  process.stderr.write('fleetstream: building the web app…\n');
  const r = spawnSync('npm', ['run', 'build', '--silent', '-w', 'web'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new LaunchError('building the web app failed (see above).');
  fs.writeFileSync(stamp, digest);
  return dist;
}
