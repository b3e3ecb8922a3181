import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { aptInstall, hasCommand } from './host.js';
import { LaunchError } from './launch-error.js';
import { repoRoot } from './paths.js';

/** The compose file at the repository root. */
export const composeFile = path.join(repoRoot, 'docker-compose.yml');

/**
 * `docker-compose` (Debian package, Compose 1.29) validates the file without a Docker engine.
 * Installed with apt when missing, or one line saying what to install.
 */
export function ensureDockerCompose(): void {
  if (!hasCommand('docker-compose')) aptInstall('docker-compose', 'docker-compose');
  if (!hasCommand('docker-compose'))
    throw new LaunchError('docker-compose not found after install: install it by hand.');
}

export interface ComposeResult {
  ok: boolean;
  stdout: string;
  /** What docker-compose said when it refused the file. */
  error: string;
}

function compose(args: string[], profiles: readonly string[]): ComposeResult {
  const r = spawnSync(
    'docker-compose',
    ['-f', composeFile, ...profiles.flatMap((p) => ['--profile', p]), ...args],
    // An empty environment for interpolation: the file must be valid with its own defaults.
    { cwd: repoRoot, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
  );
  return {
    ok: r.status === 0,
    stdout: r.stdout ?? '',
    error: (r.stderr || r.error?.message || '').trim(),
  };
}

/** `docker-compose config -q`: validates the file (with the given profiles enabled). */
export function validateCompose(profiles: readonly string[] = []): ComposeResult {
  return compose(['config', '-q'], profiles);
}

/** The resolved configuration (`docker-compose config`, YAML) turned into JSON. */
export function resolvedCompose(profiles: readonly string[] = []): ComposeConfig {
  const r = compose(['config'], profiles);
  if (!r.ok) throw new Error(`docker-compose config failed: ${r.error}`);
  // Compose 1.29 prints YAML only; PyYAML comes with it (it is written in Python).
  const json = spawnSync(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: r.stdout, encoding: 'utf8' },
  );
  if (json.status !== 0)
    throw new Error(`could not read the resolved compose file: ${json.stderr}`);
  return JSON.parse(json.stdout) as ComposeConfig;
}

/** The parts of a resolved compose file the tests look at. */
export interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string | number | null>;
  ports?: ({ published?: number | string; target: number } | string)[];
  container_name?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  volumes?: string[];
  restart?: string;
}
