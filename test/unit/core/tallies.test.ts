import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TalliedCounter, TalliedHistogram } from '../../../src/core/metrics/tallies.js';
import { seriesOf } from '../../support/metrics.js';

/*
 * Tallies stand in for prom-client's counters and histograms on hot paths, so a dashboard must
 * not be able to tell them apart: the same observations give the same scrape, series for series.
 */

const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every sample of a scrape as `name{labels} value`, sorted: label order is not part of the format. */
const samplesOf = (text: string, names: readonly string[]): string[] =>
  names
    .flatMap((name) =>
      seriesOf(text, name).map(({ labels, value }) => {
        const pairs = Object.entries(labels)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, label]) => `${key}=${label}`);
        return `${name}{${pairs.join(',')}} ${value}`;
      }),
    )
    .sort();

/** A draw of values around and on the bounds (a value on a bound counts in that bound's bucket). */
const observations = (count: number): number[] => {
  let seed = 7;
  const next = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  return Array.from({ length: count }, (_, index) =>
    index % 10 === 0 ? buckets[index % buckets.length]! : next() ** 3 * 12,
  );
};

const helpAndType = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('#'));

describe('tallied counters and histograms', () => {
  it('scrape as prom-client’s own do after the same observations, label for label', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const labelNames = ['operation', 'type', 'outcome'] as const;
    const help = { name: 'x_duration_seconds', help: 'How long x took', labelNames };
    const talliedHistogram = new TalliedHistogram({ ...help, buckets, registry: ours });
    const histogram = new Histogram({ ...help, buckets, registers: [theirs] });
    const counted = { name: 'x_total', help: 'How many x', labelNames };
    const talliedCounter = new TalliedCounter({ ...counted, registry: ours });
    const counter = new Counter({ ...counted, registers: [theirs] });
    const labelSets = [
      ['Account', 'query', 'ok'],
      ['Deposit', 'mutation', 'ok'],
      ['Deposit', 'mutation', 'INSUFFICIENT_FUNDS'],
    ] as const;

    for (const [index, value] of observations(600).entries()) {
      const [operation, type, outcome] = labelSets[index % labelSets.length]!;
      talliedHistogram.child(operation, type, outcome).observe(value);
      histogram.labels(operation, type, outcome).observe(value);
      talliedCounter.child(operation, type, outcome).inc(index % 3);
      counter.labels(operation, type, outcome).inc(index % 3);
    }

    const [ourText, theirText] = [await ours.metrics(), await theirs.metrics()];
    const names = ['x_duration_seconds_bucket', 'x_duration_seconds_sum', 'x_duration_seconds_count', 'x_total'];
    expect(samplesOf(ourText, names)).toEqual(samplesOf(theirText, names));
    expect(samplesOf(ourText, ['x_duration_seconds_count'])).toHaveLength(3);
    expect(helpAndType(ourText).sort()).toEqual(helpAndType(theirText).sort());
  });

  it('export a metric without labels as zero before anything is observed, as prom-client does', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const config = { name: 'wait_seconds', help: 'How long waits took', buckets: [0.1, 1] };
    const tallied = new TalliedHistogram({ ...config, registry: ours });
    new Histogram({ ...config, registers: [theirs] });
    const names = ['wait_seconds_bucket', 'wait_seconds_sum', 'wait_seconds_count'];
    expect(samplesOf(await ours.metrics(), names)).toEqual(samplesOf(await theirs.metrics(), names));

    tallied.child().observe(0.5);
    expect(seriesOf(await ours.metrics(), 'wait_seconds_count')).toEqual([{ labels: {}, value: 1 }]);
    expect(seriesOf(await ours.metrics(), 'wait_seconds_bucket')).toEqual([
      { labels: { le: '0.1' }, value: 0 },
      { labels: { le: '1' }, value: 1 },
      { labels: { le: '+Inf' }, value: 1 },
    ]);
  });

  it('refuse a value that is not a number, as prom-client does, and count nothing for it', async () => {
    const registry = new Registry();
    const tallied = new TalliedHistogram({ name: 'y_seconds', help: 'y', labelNames: ['kind'], buckets, registry });
    expect(() => tallied.child('a').observe(Number.NaN)).toThrow(TypeError);
    expect(seriesOf(await registry.metrics(), 'y_seconds_count')).toEqual([{ labels: { kind: 'a' }, value: 0 }]);
  });

  it('start again from nothing when the registry resets its metrics', async () => {
    const registry = new Registry();
    const tallied = new TalliedCounter({ name: 'z_total', help: 'z', labelNames: ['kind'], registry });
    tallied.child('a').inc();
    registry.resetMetrics();
    expect(seriesOf(await registry.metrics(), 'z_total')).toEqual([]);
    tallied.child('a').inc(2);
    expect(seriesOf(await registry.metrics(), 'z_total')).toEqual([{ labels: { kind: 'a' }, value: 2 }]);
  });
});
