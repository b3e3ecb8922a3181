/** PromQL words that look like metric names but are not. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads (a light scan, enough for our rules and
 * dashboards): strings, label matchers, ranges and label lists are dropped first; what is left
 * that is not a function call, a keyword or a number is a metric name.
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)) {
    const [word, call] = [m[0], m[1]];
    if (call || KEYWORDS.has(word.toLowerCase())) continue;
    const before = stripped[m.index - 1];
    if (before && /[0-9.]/.test(before)) continue; // 1e3, 5m
    names.add(word);
  }
  return [...names];
}

/** The metric names a Grafana dashboard's panels and variables query. */
export function grafanaMetricNames(dashboard: unknown): string[] {
  const exprs: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'expr' || k === 'definition') && typeof x === 'string') exprs.push(x);
        else walk(x);
      }
    }
  };
  walk(dashboard);
  // label_values(metric, label) names its metric as the first argument.
  const names = exprs.flatMap((e) => {
    const lv = /label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,/.exec(e);
    return lv ? [lv[1]!] : promqlMetricNames(e);
  });
  return [...new Set(names)].sort();
}

/** Metric names a Prometheus text exposition serves (samples or declared families). */
export function exposedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const declared = /^# TYPE (\S+) /.exec(line);
    if (declared) names.add(declared[1]!);
    else if (line && !line.startsWith('#')) names.add(line.split(/[{ ]/, 1)[0]!);
  }
  return names;
}
