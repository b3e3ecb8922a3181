import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@fleetstream/infra/host';
import { startManagedProcess, tailFile } from '@fleetstream/infra/managed-process';
import { PROMETHEUS_RULES, ensurePrometheus } from '@fleetstream/infra/prometheus';

export interface TestPrometheusOptions {
  /** host:port of the gateway whose /metrics it scrapes. */
  target: string;
  /** Scrape and rule evaluation interval. @default '1s' */
  interval?: string;
  /**
   * Replaces the rules' `for` and `keep_firing_for` durations (the thresholds come from the
   * gateway's ALERT_* metrics), so a test does not wait a minute for each. @default as shipped
   */
  holdFor?: string;
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  value: string;
}

/**
 * A real Prometheus (Debian's package) on a free port, with a temporary config scraping one
 * gateway and loading the shipped alerting rules; its data is removed on stop.
 */
export async function startTestPrometheus(o: TestPrometheusOptions) {
  await ensurePrometheus();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetstream-prometheus-'));
  const interval = o.interval ?? '1s';
  let rules = fs.readFileSync(PROMETHEUS_RULES, 'utf8');
  if (o.holdFor) rules = rules.replace(/^(\s+(?:for|keep_firing_for):) \S+$/gm, `$1 ${o.holdFor}`);
  fs.writeFileSync(path.join(dir, 'rules.yml'), rules);
  // JSON is YAML: no YAML writer needed.
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: [path.join(dir, 'rules.yml')],
    scrape_configs: [{ job_name: 'fleetstream', static_configs: [{ targets: [o.target] }] }],
  };
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), JSON.stringify(config));
  const port = await freePort();
  const proc = startManagedProcess({
    name: 'prometheus',
    command: 'prometheus',
    args: [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    logFile: path.join(dir, 'prometheus.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await proc.stop(10_000);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while ((await fetch(`${url}/-/ready`).catch(() => null))?.status !== 200) {
    if (Date.now() > deadline) {
      const log = tailFile(proc.logFile, 15);
      await stop();
      throw new Error(`prometheus not ready within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const api = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${p}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${p}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    /** Alerts pending or firing now. */
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>('alerts')).alerts,
    /** The loaded alerting rules' expressions. */
    ruleQueries: async () =>
      (await api<{ groups: { rules: { query: string }[] }[] }>('rules')).groups.flatMap((g) =>
        g.rules.map((r) => r.query),
      ),
    /** Result series of an instant query. */
    query: async (q: string) =>
      (
        await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
          `query?query=${encodeURIComponent(q)}`,
        )
      ).result,
    stop,
  };
}
