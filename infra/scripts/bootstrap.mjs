#!/usr/bin/env node
// Entry point of `npm start`, `npm test`, `npm run simulate`, `npm run bench` and
// `npm run test:chaos`.
// Plain Node with no dependencies, because it runs before `npm install` has: it checks the
// runtime, installs npm dependencies when the lock file changed, then hands over to TypeScript.
import { spawnSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const [command = 'start', ...args] = process.argv.slice(2);
const scripts = {
  start: 'infra/src/scripts/start.ts',
  test: 'infra/src/scripts/test.ts',
  simulate: 'infra/src/scripts/simulate.ts',
  bench: 'bench/src/main.ts',
  chaos: 'infra/src/scripts/chaos.ts',
};

function fail(line) {
  console.error(`fleetstream: ${line}`);
  process.exit(1);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  fail(`Node ${process.versions.node} is too old: install Node.js 20.19 or newer.`);
}
if (!(command in scripts))
  fail(`unknown command "${command}" (one of ${Object.keys(scripts).join(', ')})`);

// Reinstall only when package-lock.json changed since the last install. `npm start` and
// `npm test` may run at once on a fresh clone: a lock keeps them from installing over each other.
const lockFile = path.join(root, 'package-lock.json');
const marker = path.join(root, 'node_modules', '.fleetstream-install-hash');
const lockHash = existsSync(lockFile)
  ? createHash('sha256').update(readFileSync(lockFile)).digest('hex')
  : 'no-lock';
const isInstalled = () => existsSync(marker) && readFileSync(marker, 'utf8').trim() === lockHash;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function withInstallLock(fn) {
  const dir = path.join(root, '.fleetstream', 'install.lock');
  mkdirSync(path.dirname(dir), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const pid = Number(
        existsSync(path.join(dir, 'pid')) ? readFileSync(path.join(dir, 'pid'), 'utf8') : 0,
      );
      if (pid > 0 && !alive(pid)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!announced) console.error('fleetstream: waiting for another install to finish…');
      announced = true;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!isInstalled()) {
  withInstallLock(() => {
    if (isInstalled()) return;
    const npmArgs = existsSync(lockFile)
      ? ['ci', '--no-audit', '--no-fund']
      : ['install', '--no-audit', '--no-fund'];
    console.error(`fleetstream: installing npm dependencies (npm ${npmArgs[0]})…`);
    const r = spawnSync('npm', npmArgs, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) fail(`npm ${npmArgs[0]} failed; fix the error above and run again.`);
    writeFileSync(marker, `${lockHash}\n`);
  });
}

// The child shares our terminal and process group, so Ctrl-C reaches it directly; we only
// wait for it to finish its orderly shutdown and pass its exit code on.
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--conditions=source', path.join(root, scripts[command]), ...args],
  { cwd: root, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (signal !== 'SIGINT') child.kill(signal);
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
