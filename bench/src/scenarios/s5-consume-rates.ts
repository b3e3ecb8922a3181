import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConsumeRateResult } from '../consume-rate-result.js';
import { run } from '@fleetstream/infra/node-tasks';
import type { BenchContext } from '../scenario-kit.js';

/**
 * S5: each consumer group's consume rate on a preloaded backlog, one instance at a time, beside
 * an empty kafkajs consumer on the same records (consume-rate.ts, on the benchmark's broker and
 * Redis). Its output shows as it runs.
 */
export async function runS5(ctx: BenchContext): Promise<ConsumeRateResult> {
  const o = ctx.opts.s5;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fleetstream-s5-')), 's5.json');
  ctx.progress(`${o.records.toLocaleString('en-US')} records of ${o.drivers} drivers, per group…`);
  const code = await run(process.execPath, [
    '--import',
    'tsx',
    '--conditions=source',
    'bench/src/consume-rate.ts',
    '--records',
    String(o.records),
    '--drivers',
    String(o.drivers),
    '--brokers',
    ctx.env.brokers,
    '--redis',
    ctx.env.redisUrl,
    '--json',
    file,
  ]);
  if (code !== 0) throw new Error(`consume-rate exited with ${code}`);
  const result = JSON.parse(fs.readFileSync(file, 'utf8')) as ConsumeRateResult;
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return result;
}
