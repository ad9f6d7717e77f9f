import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EsgraphMetrics } from '../../../src/core/metrics/esgraph-metrics.js';

/** The metric names in the README's Metrics table: what dashboards (docker/'s Grafana) are built from. */
const documentedNames = (): Map<string, string> => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const from = readme.indexOf('\n## Metrics and request logs');
  const section = readme.slice(from, readme.indexOf('\n## ', from + 1));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const row = /^\| `(esgraph_\w+)` \| (\w+) \|/.exec(line);
    if (row) rows.set(row[1]!, row[2]!);
  }
  return rows;
};

describe('the README Metrics table', () => {
  it('lists every metric esgraph registers, with its type, and nothing else', async () => {
    const metrics = new EsgraphMetrics();
    // The gauges read at scrape exist once something is watched; what they read does not matter here.
    metrics.watch({ runners: async () => [], redis: () => ({}), eventStore: async () => true });
    const registered = (await metrics.registry.getMetricsAsJSON())
      .filter((metric) => metric.name.startsWith('esgraph_'))
      .map((metric) => [metric.name, String(metric.type)] as const);
    expect(new Map(registered)).toEqual(documentedNames());
  });
});
