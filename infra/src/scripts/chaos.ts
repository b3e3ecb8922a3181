import fs from 'node:fs';
import path from 'node:path';
import { requireJavaAndMaven } from '../host.js';
import { ensureKafkaJars } from '../kafka/jars.js';
import { LaunchError } from '../launch-error.js';
import { run } from '../node-tasks.js';
import { repoRoot } from '../paths.js';
import { ensureRedisServerInstalled } from '../redis/server.js';
import { clearLedger, ledgerReport } from '../../../backend/src/testing/reliability-ledger.js';

const say = (line: string) => console.error(`fleetstream chaos: ${line}`);

/**
 * `npm run test:chaos`: the failover tests (infra/src/chaos/*.chaos.ts) in their own vitest
 * run. Each starts a local 3-broker Kafka cluster and a Redis on free ports, kills parts of it,
 * and stops everything afterwards. Extra arguments go to vitest.
 */
async function main(): Promise<number> {
  try {
    requireJavaAndMaven();
    ensureKafkaJars();
    ensureRedisServerInstalled();
  } catch (err) {
    say(err instanceof LaunchError ? err.message : String(err));
    return 1;
  }
  fs.mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
  clearLedger('chaos');
  say('3-broker Kafka cluster, two instances per consumer group, kill -9 of a broker and members…');
  const code = await run(
    path.join(repoRoot, 'node_modules', '.bin', 'vitest'),
    [
      'run',
      '--config',
      path.join(repoRoot, 'infra', 'src', 'chaos', 'vitest.config.ts'),
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${path.join(repoRoot, 'artifacts', 'chaos.json')}`,
      ...process.argv.slice(2),
    ],
    { env: { ...process.env, FLEETSTREAM_SUITE: 'chaos' } },
  );
  try {
    const r = JSON.parse(
      fs.readFileSync(path.join(repoRoot, 'artifacts', 'chaos.json'), 'utf8'),
    ) as {
      numPassedTests: number;
      numFailedTests: number;
      numFailedTestSuites: number;
    };
    console.log(
      `chaos tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` +
        (r.numFailedTests === 0 && r.numFailedTestSuites > 0
          ? ', a test file failed to set up'
          : ''),
    );
  } catch {
    // vitest already said what went wrong
  }
  console.log(ledgerReport());
  return code;
}

process.on('SIGINT', () => undefined);
process.exit(await main());
