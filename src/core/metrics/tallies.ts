import type { Metric, Registry } from 'prom-client';
import { LabelChildren } from './label-children.js';

/*
 * Counters and histograms whose hot path is a few number writes, for what is counted on every
 * request. prom-client's own label every observation again: a child's `observe` builds the label
 * object, checks each label name, joins the values into a hash string and finds the bucket by a
 * float-keyed property (about 600 ns a histogram observation and 250 ns a count in a loop, where
 * these take under 10; on account(id) it was the largest part of what metrics cost). The registry,
 * the text format, the scrape-time gauges and Node's default metrics stay prom-client's: these
 * hand the registry their series when it is read, in the shape its own metrics do.
 */

type Labels = Readonly<Record<string, string>>;

/** One series as prom-client's registry formats it (`name`, or `metricName` when given). */
interface Sample {
  readonly labels: Labels;
  readonly value: number;
  readonly metricName?: string;
}

/**
 * What prom-client's registry reads of a metric: `registry.js` formats `get()`'s values under
 * `name`, `help` and `type`, and `resetMetrics()` calls `reset()`. Its typings name only its own
 * classes, so `register` is the one place this is cast to them.
 */
interface RegisteredMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: Sample[] }>;
  reset(): void;
}

const register = (registry: Registry, metric: RegisteredMetric): void =>
  registry.registerMetric(metric as unknown as Metric);

export interface TallyConfig {
  readonly name: string;
  readonly help: string;
  /** At most three: children are found by `LabelChildren`, one map per label. */
  readonly labelNames?: readonly string[];
  readonly registry: Registry;
}

const labelsOf = (names: readonly string[], values: readonly string[]): Labels =>
  Object.fromEntries(names.map((name, index) => [name, values[index]!]));

/** One counter series. */
export class CountTally {
  value = 0;

  constructor(readonly labels: Labels) {}

  inc(by = 1): void {
    this.value += by;
  }
}

/** One histogram series: observations by bucket (not cumulative: `get` adds them up), their sum and count. */
export class HistogramTally {
  readonly #bounds: readonly number[];
  /** One per bound, and one past the last for `+Inf`. */
  readonly #counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    bounds: readonly number[],
  ) {
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /** As prom-client's: a value counts in the first bucket whose bound it does not exceed. */
  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.#counts[bucket]!++;
    this.sum += value;
    this.count++;
  }

  /** The cumulative count at or under each bound, then `+Inf`'s (the count). */
  cumulative(): number[] {
    let total = 0;
    return Array.from(this.#counts, (count) => {
      total += count;
      return total;
    });
  }
}

/**
 * A family of series by label values, each made the first time its values are seen (a metric
 * with no labels has its one series at every scrape, zero before anything happened, as
 * prom-client's do).
 */
abstract class Tallies<Tally extends { readonly labels: Labels }> implements RegisteredMetric {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum' as const;
  #children: LabelChildren<Tally>;
  #series: Tally[] = [];
  readonly #labelNames: readonly string[];

  constructor(config: TallyConfig) {
    this.name = config.name;
    this.help = config.help;
    this.#labelNames = config.labelNames ?? [];
    this.#children = this.#newChildren();
    register(config.registry, this);
  }

  /** The series for these label values, in the order of `labelNames`. */
  child(first = '', second = '', third = ''): Tally {
    return this.#children.get(first, second, third);
  }

  protected abstract make(labels: Labels): Tally;
  protected abstract samples(tally: Tally): Sample[];

  async get() {
    if (this.#labelNames.length === 0) this.child();
    const values = this.#series.flatMap((tally) => this.samples(tally));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series = [];
    this.#children = this.#newChildren();
  }

  #newChildren(): LabelChildren<Tally> {
    return new LabelChildren((first, second, third) => {
      const tally = this.make(labelsOf(this.#labelNames, [first, second, third]));
      this.#series.push(tally);
      return tally;
    });
  }
}

export class TalliedCounter extends Tallies<CountTally> {
  readonly type = 'counter';

  protected make(labels: Labels): CountTally {
    return new CountTally(labels);
  }

  protected samples(tally: CountTally): Sample[] {
    return [{ labels: tally.labels, value: tally.value }];
  }
}

export class TalliedHistogram extends Tallies<HistogramTally> {
  readonly type = 'histogram';
  readonly #bounds: readonly number[];

  constructor(config: TallyConfig & { readonly buckets: readonly number[] }) {
    super(config);
    this.#bounds = [...config.buckets].sort((a, b) => a - b);
  }

  protected make(labels: Labels): HistogramTally {
    return new HistogramTally(labels, this.#bounds);
  }

  protected samples(tally: HistogramTally): Sample[] {
    const bucket = `${this.name}_bucket`;
    const counts = tally.cumulative();
    return [
      ...this.#bounds.map((bound, index) => ({
        labels: { ...tally.labels, le: String(bound) },
        value: counts[index]!,
        metricName: bucket,
      })),
      { labels: { ...tally.labels, le: '+Inf' }, value: tally.count, metricName: bucket },
      { labels: tally.labels, value: tally.sum, metricName: `${this.name}_sum` },
      { labels: tally.labels, value: tally.count, metricName: `${this.name}_count` },
    ];
  }
}
