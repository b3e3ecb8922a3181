import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LaunchError } from '../launch-error.js';
import { requireJavaAndMaven } from '../host.js';
import { repoRoot } from '../paths.js';

const pomFile = path.join(repoRoot, 'infra', 'kafka', 'pom.xml');
/** Git-ignored; one folder per pom version so a changed pom never mixes jars. */
const jarsRoot = path.join(repoRoot, 'infra', 'kafka', 'jars');

/**
 * Returns the folder holding the Kafka broker's jars, fetching them from Maven Central with
 * `mvn dependency:copy-dependencies` the first time (or when the pom changed).
 */
export function ensureKafkaJars(): string {
  const hash = createHash('sha256').update(fs.readFileSync(pomFile)).digest('hex').slice(0, 12);
  const dir = path.join(jarsRoot, hash);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;

  requireJavaAndMaven();
  process.stderr.write(
    'fleetstream: fetching Apache Kafka jars from Maven Central (first run only)…\n',
  );
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const r = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      pomFile,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${staging}`,
      '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (r.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new LaunchError(
      'mvn could not fetch the Kafka jars (see its output above); check Maven Central is reachable.',
    );
  }
  fs.writeFileSync(path.join(staging, '.complete'), new Date().toISOString());
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  return dir;
}
