import path from 'node:path';
import { runStep } from './child-step.js';
import { aptInstall } from './host.js';
import { repoRoot } from './paths.js';

/** The compose file at the repository root. */
export const composeFile = path.join(repoRoot, 'docker-compose.yml');

/**
 * `docker-compose` (Debian package, Compose 1.29) validates the file without a Docker engine.
 * Installed with apt when missing, or one line saying what to install.
 */
export function ensureDockerCompose(): Promise<void> {
  return aptInstall('docker-compose', 'docker-compose');
}

export interface ComposeResult {
  ok: boolean;
  stdout: string;
  /** What docker-compose said when it refused the file. */
  error: string;
}

async function compose(args: string[], profiles: readonly string[]): Promise<ComposeResult> {
  const r = await runStep({
    step: 'docker-compose',
    command: 'docker-compose',
    args: ['-f', composeFile, ...profiles.flatMap((p) => ['--profile', p]), ...args],
    // An empty environment for interpolation: the file must be valid with its own defaults.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    silent: true,
  });
  return {
    ok: r.code === 0,
    stdout: r.stdout,
    error: r.code === 0 ? '' : r.stderr.trim() || r.tail,
  };
}

/** `docker-compose config -q`: validates the file (with the given profiles enabled). */
export function validateCompose(profiles: readonly string[] = []): Promise<ComposeResult> {
  return compose(['config', '-q'], profiles);
}

/** The resolved configuration (`docker-compose config`, YAML) turned into JSON. */
export async function resolvedCompose(profiles: readonly string[] = []): Promise<ComposeConfig> {
  const r = await compose(['config'], profiles);
  if (!r.ok) throw new Error(`docker-compose config failed: ${r.error}`);
  // Compose 1.29 prints YAML only; PyYAML comes with it (it is written in Python).
  const json = await runStep({
    step: 'docker-compose',
    command: 'python3',
    args: ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    input: r.stdout,
    silent: true,
  });
  if (json.code !== 0) throw new Error(`could not read the resolved compose file: ${json.stderr}`);
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
