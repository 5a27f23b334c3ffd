// .deploy's monitoring files as well as they can be checked without promtool or a Grafana: the YAML and
// JSON parse into the expected shapes, every PromQL expression has balanced brackets and quotes, and every
// metric an expression names is one ltv exports (or Prometheus' own `up`), with label names those metrics
// carry. A renamed metric fails here instead of silently never alerting.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../src/metrics/createMetrics.js';

const read = (p: string): string => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

/** Every series name a scrape of serve or the worker can contain, with the labels each carries. */
async function exported(): Promise<Map<string, Set<string>>> {
  const m = createMetrics({
    queueDepth: async () => ({}),
    jobs: async () => [{ job: 'j', lastPublishedMs: 1, lastFailureMs: 1, scheduleIntervalSeconds: 1, maxBadRowShare: 0.01, alertAfterSeconds: 1 }],
  });
  const names = new Map<string, Set<string>>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    const labels = new Set<string>(((metric as { labelNames?: string[] }).labelNames ?? []));
    const own = (m.registry.getSingleMetric(metric.name) as unknown as { labelNames?: string[] } | undefined)?.labelNames ?? [];
    for (const l of own) labels.add(l);
    names.set(metric.name, labels);
    if (String(metric.type) === 'histogram') {
      names.set(`${metric.name}_bucket`, new Set([...labels, 'le']));
      names.set(`${metric.name}_sum`, labels);
      names.set(`${metric.name}_count`, labels);
    }
  }
  return names;
}

const PROMQL_WORDS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless',
  'time', 'rate', 'increase', 'irate', 'histogram_quantile', 'topk', 'bottomk', 'abs', 'clamp_min', 'clamp_max', 'bool', 'offset', 'absent',
]);
/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = new Set(['job', 'instance']);

function checkExpr(expr: string, names: Map<string, Set<string>>): void {
  // Balanced (), [], {} and closed quotes.
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let inString = false;
  for (const c of expr) {
    if (c === '"') inString = !inString;
    if (inString) continue;
    if ('([{'.includes(c)) stack.push(c);
    if (c in pairs) expect(stack.pop(), `unbalanced ${c} in: ${expr}`).toBe(pairs[c]);
  }
  expect(inString, `unclosed quote in: ${expr}`).toBe(false);
  expect(stack, `unclosed brackets in: ${expr}`).toEqual([]);

  // Metric selectors with their matchers, and grouping label lists.
  const usedMetrics: string[] = [];
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const m of withoutStrings.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{([^}]*)\})?/g)) {
    const word = m[1]!;
    const before = withoutStrings.slice(0, m.index);
    if (/(by|on|without|ignoring)\s*\([^)]*$/.test(before)) continue; // a label in a grouping list (checked below)
    if (/\{[^}]*$/.test(before)) continue; // a label name inside a matcher (checked below)
    if (/\[[^\]]*$/.test(before)) continue; // a duration such as 1h
    if (PROMQL_WORDS.has(word) || /^\d/.test(word)) continue;
    if (word === 'up') continue;
    expect(names.has(word), `${word} is not a metric ltv exports (in: ${expr})`).toBe(true);
    usedMetrics.push(word);
    for (const matcher of (m[3] ?? '').split(',').filter((s) => s.trim())) {
      const label = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/.exec(matcher)?.[1];
      expect(label, `bad matcher ${matcher}`).toBeDefined();
      expect(names.get(word)!.has(label!) || TARGET_LABELS.has(label!), `${word} has no label ${label}`).toBe(true);
    }
  }
  expect(usedMetrics.length + (/\bup\b/.test(expr) ? 1 : 0), `no metric in: ${expr}`).toBeGreaterThan(0);
  const allLabels = new Set([...usedMetrics.flatMap((n) => [...names.get(n)!]), ...TARGET_LABELS]);
  for (const g of withoutStrings.matchAll(/\b(by|on|without|ignoring)\s*\(([^)]*)\)/g)) {
    for (const label of g[2]!.split(',').map((s) => s.trim()).filter(Boolean)) {
      expect(allLabels.has(label), `grouping label ${label} is carried by none of ${usedMetrics.join(', ')}`).toBe(true);
    }
  }
}

describe('.deploy monitoring files', () => {
  test('alerts.yml: the required alerts, complete, over exported metrics only', async () => {
    const names = await exported();
    const doc = parse(read('.deploy/alerts.yml')) as { groups: { name: string; rules: Record<string, unknown>[] }[] };
    const rules = doc.groups.flatMap((g) => g.rules);
    // SPEC §11 / issue 20: stale report, failing runs, quarantine share, queue backlog.
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['LtvReportStale', 'LtvLastRunFailed', 'LtvQuarantineShareHigh', 'LtvQueueBacklog', 'LtvWorkerDown', 'LtvServeDown']));
    // Every rule is listed where the README lists the alerts.
    const readme = read('README.md');
    for (const r of rules) expect(readme, String(r.alert)).toContain(`\`${String(r.alert)}\``);
    for (const r of rules) {
      expect(Object.keys(r).sort(), String(r.alert)).toEqual(['alert', 'annotations', 'expr', 'for', 'labels']);
      expect(r.alert).toMatch(/^Ltv[A-Za-z]+$/);
      expect(String(r.for)).toMatch(/^\d+[smhd]$/);
      expect((r.labels as Record<string, string>).severity).toMatch(/^(page|ticket)$/);
      expect((r.annotations as Record<string, string>).summary).toBeTruthy();
      checkExpr(String(r.expr), names);
    }
    // The stale rule is the one-rule form the issue asks for: age against twice the schedule interval.
    // Fires with no worker left too: DNS service discovery drops stopped containers, and `up == 0` alone then has no series.
    expect(String(rules.find((r) => r.alert === 'LtvWorkerDown')!.expr)).toBe('up{job="ltv-worker"} == 0 or absent(up{job="ltv-worker"})');
    // serve likewise: its scrape job (prometheus.yml, checked below) found through the compose DNS name too.
    expect(String(rules.find((r) => r.alert === 'LtvServeDown')?.expr)).toBe('up{job="ltv-serve"} == 0 or absent(up{job="ltv-serve"})');
    expect(String(rules.find((r) => r.alert === 'LtvReportStale')!.expr)).toMatch(/time\(\) - max by \(ltv_job\) \(ltv_job_last_published_timestamp_seconds\)\s+> 2 \* max by \(ltv_job\) \(ltv_job_schedule_interval_seconds\)/);
  });

  test('prometheus.yml scrapes both processes and loads the rules', () => {
    const doc = parse(read('.deploy/prometheus.yml')) as { rule_files: string[]; scrape_configs: { job_name: string; metrics_path: string; dns_sd_configs: { port: number }[] }[] };
    expect(doc.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(doc.scrape_configs.map((s) => [s.job_name, s.metrics_path, s.dns_sd_configs[0]!.port])).toEqual([
      ['ltv-worker', '/metrics', 9464],
      ['ltv-serve', '/metrics', 8080],
    ]);
  });

  test('the Grafana dashboard queries exported metrics only', async () => {
    const names = await exported();
    const dash = JSON.parse(read('.deploy/grafana/ltv-dashboard.json')) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
    expect(dash.uid).toBe('ltv-operations');
    expect(dash.panels.length).toBeGreaterThanOrEqual(10);
    for (const p of dash.panels) for (const t of p.targets) checkExpr(t.expr, names);
  });

  test('the container health checks use /readyz', () => {
    const compose = parse(read('.deploy/compose.yaml')) as { services: Record<string, { healthcheck?: { test: string[] }; volumes?: string[] }> };
    expect(compose.services.serve!.healthcheck!.test.join(' ')).toContain('http://127.0.0.1:8080/readyz');
    // The image's own asks the /readyz of the command it runs (src/cli/healthcheck.mjs): it asked
    // LTV_METRICS_PORT's whatever the command, where serve never listens (test/integration/imageLayout.test.ts).
    expect(read('Dockerfile')).toMatch(/HEALTHCHECK[^\n]*\n\s+CMD \["node", "src\/cli\/healthcheck\.mjs"\]\n/);
    expect(compose.services.prometheus!.volumes).toEqual(expect.arrayContaining(['./alerts.yml:/etc/prometheus/alerts.yml:ro']));
  });

  test('the image starts commands through the launcher, under tini, with every file the launcher imports', () => {
    const dockerfile = read('Dockerfile');
    // dist/cli/main.js skipped bin.mjs's early signal lines; node as PID 1 ignored a signal left to its default.
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "src\/cli\/bin\.mjs"\]$/m);
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends tini /);
    const copied = /^COPY --from=build (.*) \.\/src\/cli\/$/m.exec(dockerfile)![1]!.split(' ');
    const imports = [...read('src/cli/bin.mjs').matchAll(/^import .* from '\.\/(.+\.mjs)';$/gm)].map((m) => `/app/src/cli/${m[1]}`);
    expect(imports.length).toBeGreaterThan(0);
    expect(copied.sort()).toEqual(['/app/src/cli/bin.mjs', ...imports, '/app/src/cli/healthcheck.mjs'].sort());
  });

  test('compose.yaml sizes its workers as README "Sizing" says: containers × runs × memory share within half the machine', () => {
    const text = read('.deploy/compose.yaml');
    const compose = parse(text) as { services: Record<string, { environment?: Record<string, string> }> };
    const env = compose.services.worker!.environment!;
    const containers = Number(/--scale worker=(\d+)/.exec(text)![1]);
    const share = /^(\d+(?:\.\d+)?)%$/.exec(env.LTV_DUCKDB_MEMORY_LIMIT!);
    expect(share, 'a share of memory, which the rule can check').not.toBeNull();
    // 2 containers × 2 runs × 50% was twice the machine.
    expect(containers * Number(env.LTV_CONCURRENCY) * Number(share![1])).toBeLessThanOrEqual(50);
  });
});
