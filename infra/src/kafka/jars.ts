import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runStepOrFail } from '../child-step.js';
import { requireJavaAndMaven } from '../host.js';
import { repoRoot } from '../paths.js';

const pomFile = path.join(repoRoot, 'infra', 'kafka', 'pom.xml');

/**
 * Git-ignored; one folder per pom version so a changed pom never mixes jars.
 * `FLEETSTREAM_KAFKA_JARS_DIR` moves it (the first-run test fetches into an empty one).
 */
export function kafkaJarsRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(
    env.FLEETSTREAM_KAFKA_JARS_DIR || path.join(repoRoot, 'infra', 'kafka', 'jars'),
  );
}

/** One fetch per process even when several brokers start at once. */
const fetching = new Map<string, Promise<string>>();

/**
 * Returns the folder holding the Kafka broker's jars, fetching them from Maven Central with
 * `mvn dependency:copy-dependencies` the first time (or when the pom changed). Maven runs as
 * an asynchronous child: on an empty Maven cache it downloads for about a minute, while Redis
 * and the rest of start-up go on.
 */
export function ensureKafkaJars(): Promise<string> {
  const hash = createHash('sha256').update(fs.readFileSync(pomFile)).digest('hex').slice(0, 12);
  const dir = path.join(kafkaJarsRoot(), hash);
  if (fs.existsSync(path.join(dir, '.complete'))) return Promise.resolve(dir);
  let pending = fetching.get(dir);
  if (!pending) {
    pending = fetchJars(dir).finally(() => fetching.delete(dir));
    fetching.set(dir, pending);
  }
  return pending;
}

async function fetchJars(dir: string): Promise<string> {
  await requireJavaAndMaven();
  const step = 'kafka jars';
  process.stderr.write(
    `fleetstream [${step}] fetching Apache Kafka jars from Maven Central (first run only)…\n`,
  );
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const r = await runStepOrFail(
      {
        step,
        command: 'mvn',
        args: [
          '-B',
          '-f',
          pomFile,
          'dependency:copy-dependencies',
          `-DoutputDirectory=${staging}`,
          '-DincludeScope=runtime',
        ],
        // Maven names every artifact it downloads: shown as a running count, not 200 lines.
        progress: { matches: /^(\[INFO\] )?Downloaded from /, noun: 'files fetched' },
        echo: (l) => /^\[(ERROR|WARNING)\]/.test(l),
        heartbeatMs: 5_000,
      },
      'mvn could not fetch the Kafka jars; check that Maven Central is reachable (or set MAVEN_OPTS for a proxy or mirror).',
    );
    const jars = fs.readdirSync(staging).filter((f) => f.endsWith('.jar')).length;
    process.stderr.write(
      `fleetstream [${step}] ${jars} jars ready in ${Math.round(r.elapsedMs / 1000)} s\n`,
    );
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  fs.writeFileSync(path.join(staging, '.complete'), new Date().toISOString());
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.renameSync(staging, dir);
  return dir;
}
