import path from 'node:path';
import { runStep } from './child-step.js';
import { aptInstall } from './host.js';
import { repoRoot } from './paths.js';

/** The Prometheus alerting rules we ship, and the Grafana dashboard. */
export const PROMETHEUS_RULES = path.join(repoRoot, 'infra', 'prometheus', 'fleetstream-rules.yml');
export const GRAFANA_DASHBOARD = path.join(
  repoRoot,
  'infra',
  'grafana',
  'fleetstream-dashboard.json',
);

/**
 * Debian's prometheus package (Prometheus 2.42 and promtool), installed with apt when missing
 * (as root), or one line saying what to install. Idempotent.
 */
export function ensurePrometheus(): Promise<void> {
  return aptInstall('prometheus', 'promtool (to check the Prometheus alerting rules)', 'promtool');
}

/** Unit tests of the rules (input series → expected alerts), for `promtool test rules`. */
export const PROMETHEUS_RULE_TESTS = path.join(
  repoRoot,
  'infra',
  'prometheus',
  'fleetstream-rules.test.yml',
);

/**
 * `promtool check rules` on the shipped rules, then `promtool test rules` on their unit tests:
 * ok, or what promtool said.
 */
export async function checkRules(): Promise<{ ok: boolean; output: string }> {
  for (const args of [
    ['check', 'rules', PROMETHEUS_RULES],
    ['test', 'rules', PROMETHEUS_RULE_TESTS],
  ]) {
    const r = await runStep({ step: 'promtool', command: 'promtool', args, silent: true });
    if (r.code !== 0) return { ok: false, output: (r.stdout + r.stderr).trim() };
  }
  return { ok: true, output: '' };
}
