import fs from 'node:fs';
import path from 'node:path';
import { ensureChromium } from '../browser.js';
import { ensureDockerCompose, validateCompose } from '../compose.js';
import { LaunchError } from '../launch-error.js';
import { run } from '../node-tasks.js';
import { checkRules, ensurePrometheus } from '../prometheus.js';
import { repoRoot } from '../paths.js';
import { startTestEnvironment, type TestEnvironment } from '../test-environment.js';
import { clearLedger, ledgerReport } from '@fleetstream/backend/testing/reliability-ledger';

const say = (line: string) => console.error(`fleetstream test: ${line}`);
const npx = (bin: string) => path.join(repoRoot, 'node_modules', '.bin', bin);

/**
 * `npm test`: type-check, lint, then every workspace's unit and integration tests in one vitest
 * run against a real Kafka and Redis started here on free ports and stopped afterwards, also on
 * failure or Ctrl-C. Extra arguments go to vitest (e.g. a file filter).
 */
async function main(): Promise<number> {
  let env: TestEnvironment | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (env) await env.stop();
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(130)));
  process.on('SIGTERM', () => void stop().then(() => process.exit(143)));

  try {
    await ensureChromium();
    say('starting a real Kafka and Redis for the integration tests…');
    const starting = startTestEnvironment({ redisCluster: true });
    starting.catch(() => undefined);

    say('type-checking…');
    const { workspaces } = JSON.parse(
      fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'),
    ) as { workspaces: string[] };
    for (const w of workspaces) {
      if ((await run(npx('tsc'), ['-p', path.join(w, 'tsconfig.json'), '--noEmit'])) !== 0)
        return fail(`type errors in ${w}`);
    }
    say('linting…');
    if ((await run(npx('eslint'), ['.', '--max-warnings=0'])) !== 0) return fail('lint errors');
    if ((await run(npx('prettier'), ['--check', '--log-level=warn', '.'])) !== 0)
      return fail('files not formatted: run npm run format');
    say('validating docker-compose.yml (docker-compose config)…');
    await ensureDockerCompose();
    for (const profiles of [[], ['simulator'], ['redis-cluster']]) {
      const r = await validateCompose(profiles);
      if (!r.ok)
        return fail(
          `docker-compose.yml${profiles.length ? ` (profile ${profiles[0]})` : ''}: ${r.error}`,
        );
    }

    say('checking the Prometheus alerting rules (promtool check rules, test rules)…');
    await ensurePrometheus();
    const rules = await checkRules();
    if (!rules.ok) return fail(`infra/prometheus rules: ${rules.output}`);

    env = await starting;
    say(`Kafka ${env.brokers}, Redis ${env.redisUrl}, Redis Cluster ${env.redisClusterUrl}`);
    fs.mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
    clearLedger('test');
    const code = await run(
      npx('vitest'),
      [
        'run',
        '--reporter=default',
        '--reporter=json',
        '--outputFile.json=artifacts/vitest.json',
        ...process.argv.slice(2),
      ],
      {
        env: {
          ...process.env,
          FLEETSTREAM_TEST_KAFKA_BROKERS: env.brokers,
          FLEETSTREAM_TEST_REDIS_URL: env.redisUrl,
          FLEETSTREAM_TEST_REDIS_CLUSTER_URL: env.redisClusterUrl,
        },
      },
    );
    printSummary();
    console.log(ledgerReport());
    return code;
  } catch (err) {
    say(err instanceof LaunchError ? err.message : String((err as Error).stack ?? err));
    return 1;
  } finally {
    await stop();
  }
}

function fail(what: string): number {
  say(`failed: ${what}`);
  return 1;
}

/** One plain closing line that any CI can read: "N passed, N failed, N skipped". */
function printSummary() {
  try {
    const r = JSON.parse(
      fs.readFileSync(path.join(repoRoot, 'artifacts', 'vitest.json'), 'utf8'),
    ) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    console.log(
      `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
    );
  } catch {
    // vitest already said what went wrong
  }
}

process.exit(await main());
