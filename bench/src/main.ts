import fs from 'node:fs';
import path from 'node:path';
import { startBenchEnvironment, type BenchEnvironment } from './environment.js';
import { parseBenchOptions, USAGE } from './options.js';
import { loadAverage, machineInfo, raiseOpenFileLimit } from './proc-stats.js';
import { packageVersions, printSummary, type BenchReport } from './report.js';
import { renderMarkdown } from './report-markdown.js';
import { runS0 } from './scenarios/s0-ceilings.js';
import { runS1 } from './scenarios/s1-latency.js';
import { runS2 } from './scenarios/s2-ramp.js';
import { runS3 } from './scenarios/s3-fanout.js';
import { runS4 } from './scenarios/s4-catch-up.js';
import { runS5 } from './scenarios/s5-consume-rates.js';
import type { BenchContext } from './scenario-kit.js';
import { BENCH_STACK_ENV, startBenchStack, type BenchStack } from './stack-probe.js';
import { repoRoot } from '@fleetstream/infra/paths';

/**
 * `npm run bench`: end-to-end latency and throughput of the real platform on this machine,
 * beside the ceilings of its parts measured in the same run (issue 10). Starts its own Kafka
 * and Redis on free ports and the roles as processes; writes artifacts/bench/report.json and
 * the Markdown report. Not part of `npm test`.
 */
/** Where the report's hand-kept part starts: before-and-after figures no single run measures. */
const HAND_KEPT = '\n## Before and after the optimisations (kept by hand';

/** The new report, followed by the hand-kept part of the one it replaces. */
function keepHandWritten(file: string, generated: string): string {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const at = old.indexOf(HAND_KEPT);
  return at < 0 ? generated : `${generated.trimEnd()}\n${old.slice(at)}`;
}

let opts;
try {
  opts = parseBenchOptions(process.argv.slice(2));
} catch (err) {
  console.error(`bench: ${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (!opts) {
  console.log(USAGE);
  process.exit(0);
}

if (opts.fromReport) {
  const saved = JSON.parse(fs.readFileSync(opts.fromReport, 'utf8')) as BenchReport;
  const file = path.resolve(repoRoot, opts.markdownFile);
  fs.writeFileSync(file, keepHandWritten(file, renderMarkdown(saved)));
  printSummary(saved);
  console.log(`\nwrote ${path.relative(repoRoot, file)} from ${opts.fromReport}`);
  process.exit(0);
}

// Before anything is started: the roles and client processes inherit the limit, and S3's
// gateway and customers need a descriptor per socket.
const openFileLimit = raiseOpenFileLimit();
const started = Date.now();
const elapsed = () => {
  const s = Math.round((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
let current = '';
const progress = (line: string) => console.log(`[${elapsed()}] ${current}${line}`);
const section = (name: string) => {
  current = '';
  console.log(`\n[${elapsed()}] == ${name} ==`);
  current = `${name.split(' ')[0]} `;
};

const report: BenchReport = {
  startedAt: new Date(started).toISOString(),
  finishedAt: '',
  durationS: 0,
  quick: opts.quick,
  machine: machineInfo(),
  loadAverage: { before: loadAverage(), after: [0, 0, 0] },
  versions: { node: process.version, kafka: '', redis: '', ...packageVersions() },
  configuration: {
    options: opts,
    stackEnv: BENCH_STACK_ENV,
    locationPartitions: 12,
    roles: 'gateway, live-push, analytics, notifications, ops: one process each',
    openFileLimit,
  },
  errors: [],
};

let env: BenchEnvironment | null = null;
const stacks = new Set<BenchStack>();
let stopping = false;
const cleanUp = async () => {
  for (const s of stacks) await s.stop().catch(() => undefined);
  stacks.clear();
  await env?.stop().catch(() => undefined);
  env = null;
};
process.on('SIGINT', () => {
  if (stopping) return;
  stopping = true;
  console.log('\nbench: interrupted, stopping what it started…');
  void cleanUp().finally(() => process.exit(130));
});

/** Runs `f` on a fresh stack; its role logs end up in artifacts/bench/logs/<name>/. */
async function withStack<T>(
  ctx: BenchContext,
  name: string,
  f: (bs: BenchStack) => Promise<T>,
): Promise<T> {
  progress('starting the roles…');
  const bs = await startBenchStack(ctx.env);
  stacks.add(bs);
  try {
    return await f(bs);
  } finally {
    for (const d of bs.deadRoles())
      console.error(`[${elapsed()}] role ${d.name} exited (${d.exit}):\n${d.tail}`);
    stacks.delete(bs);
    await bs.stop(path.join(repoRoot, ctx.opts.outDir, 'logs', name));
  }
}

async function scenario(id: string, f: () => Promise<void>) {
  try {
    await f();
  } catch (err) {
    const message = (err as Error).stack ?? String(err);
    report.errors.push({ scenario: id, message });
    console.error(`[${elapsed()}] ${id} failed: ${message}`);
  }
}

try {
  console.log(
    `fleetstream bench${opts.quick ? ' (quick)' : ''}: ${report.machine.cores} × ${report.machine.cpuModel}, ` +
      `${report.machine.memTotalGiB} GiB, load average ${report.loadAverage.before.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const { before: fdBefore, after: fdAfter } = openFileLimit;
  progress(
    `open-file limit ${fdAfter.soft}` +
      (fdAfter.soft > fdBefore.soft
        ? ` (raised from ${fdBefore.soft})`
        : fdAfter.soft < fdAfter.hard
          ? ` (could not raise it to ${fdAfter.hard}: run \`ulimit -n ${fdAfter.hard}\` first)`
          : ''),
  );
  progress(opts.redisCluster ? 'starting Kafka and a Redis Cluster…' : 'starting Kafka and Redis…');
  env = await startBenchEnvironment({ kafkaHeap: opts.kafkaHeap, redisCluster: opts.redisCluster });
  report.versions.kafka = env.versions.kafka;
  report.versions.redis = opts.redisCluster
    ? `${env.versions.redis} (Redis Cluster: 3 primaries, ${opts.redisCluster.replicas} replica(s) each)`
    : env.versions.redis;
  const ctx: BenchContext = { env, opts, progress };
  const on = (id: string) => opts.only.includes(id as never);

  if (on('s0'))
    await scenario('s0', async () => {
      section('S0 ceilings');
      report.s0 = await runS0(ctx);
    });
  if (on('s1') || on('s3'))
    await scenario('s1/s3', () =>
      withStack(ctx, 's1-s3', async (bs) => {
        if (on('s1'))
          await scenario('s1', async () => {
            section('S1 latency floor');
            report.s1 = await runS1(ctx, bs);
          });
        if (on('s3'))
          await scenario('s3', async () => {
            section('S3 fan-out');
            report.s3 = await runS3(ctx, bs);
          });
      }),
    );
  if (on('s2'))
    await scenario('s2', async () => {
      section('S2 ingest ramp');
      await withStack(ctx, 's2', async (bs) => {
        report.s2 = await runS2(ctx, bs);
      });
    });
  if (on('s4'))
    await scenario('s4', async () => {
      section('S4 catch-up');
      // Loaded, but well within what the pipeline carries, so that catching up is possible.
      const lastGood = report.s2?.lastGoodDrivers;
      const drivers =
        opts.s4.drivers ||
        (lastGood
          ? Math.min(10_000, Math.max(500, Math.round(lastGood / 4 / 100) * 100))
          : report.s2
            ? 500
            : 2500);
      await withStack(ctx, 's4', async (bs) => {
        report.s4 = await runS4(ctx, bs, drivers);
      });
    });
  if (on('s5'))
    await scenario('s5', async () => {
      section('S5 consume rates');
      report.s5 = await runS5(ctx);
    });
} catch (err) {
  report.errors.push({ scenario: 'setup', message: (err as Error).stack ?? String(err) });
  console.error(`bench: ${(err as Error).message}`);
} finally {
  current = '';
  progress('stopping…');
  await cleanUp();
}

report.finishedAt = new Date().toISOString();
report.durationS = Math.round((Date.now() - started) / 1000);
report.loadAverage.after = loadAverage();
const outDir = path.join(repoRoot, opts.outDir);
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
const markdownFile = path.resolve(repoRoot, opts.markdownFile);
fs.mkdirSync(path.dirname(markdownFile), { recursive: true });
fs.writeFileSync(markdownFile, keepHandWritten(markdownFile, renderMarkdown(report)));
printSummary(report);
console.log(
  `\nwrote ${path.relative(repoRoot, path.join(outDir, 'report.json'))} and ${path.relative(repoRoot, markdownFile)} ` +
    `in ${Math.floor(report.durationS / 60)} min ${report.durationS % 60} s`,
);
process.exit(report.errors.length > 0 ? 1 : 0);
