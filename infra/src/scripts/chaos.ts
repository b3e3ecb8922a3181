import fs from 'node:fs';
import path from 'node:path';
import { requireJavaAndMaven } from '../host.js';
import { ensureKafkaJars } from '../kafka/jars.js';
import { LaunchError } from '../launch-error.js';
import { run } from '../node-tasks.js';
import { repoRoot } from '../paths.js';
import { ensureRedisServerInstalled } from '../redis/server.js';
import { clearLedger, ledgerReport } from '@fleetstream/backend/testing/reliability-ledger';

const say = (line: string) => console.error(`fleetstream chaos: ${line}`);

/**
 * `npm run test:chaos`: the long fault tests (e2e/src/chaos/*.chaos.ts) in their own vitest
 * run. Each starts its own Kafka (one broker, or a 3-broker cluster) and Redis on free ports,
 * kills parts of it, checks the ground truth, and stops everything afterwards. Extra arguments
 * go to vitest. Prints the reliability table (fault, runs, records checked, lost, duplicated).
 */
async function main(): Promise<number> {
  try {
    await requireJavaAndMaven();
    await Promise.all([ensureKafkaJars(), ensureRedisServerInstalled()]);
  } catch (err) {
    say(err instanceof LaunchError ? err.message : String(err));
    return 1;
  }
  fs.mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
  clearLedger('chaos');
  say(
    'one broker: kill -9, SIGSTOP, worker kills, Redis restart; 3 brokers: leader kill -9 and member kills; a Redis Cluster: a primary killed…',
  );
  const code = await run(
    path.join(repoRoot, 'node_modules', '.bin', 'vitest'),
    [
      'run',
      '--config',
      path.join(repoRoot, 'e2e', 'src', 'chaos', 'vitest.config.ts'),
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
