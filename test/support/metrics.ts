/** One series of a Prometheus text exposition: its labels and value. */
export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const sampleLine = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const labelPair = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Every series of `name` in a scrape (for a histogram, name its `_count`, `_sum` or `_bucket`). */
export const seriesOf = (text: string, name: string): Series[] =>
  text.split('\n').flatMap((line) => {
    const match = sampleLine.exec(line);
    if (!match || match[1] !== name) return [];
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(labelPair)].map(([, key, value]) => [key, value]));
    return [{ labels, value: Number(match[3]) }];
  });

/** The sum of `name`'s series whose labels include `labels`; 0 when there is none. */
export const sampleOf = (text: string, name: string, labels: Readonly<Record<string, string>> = {}): number =>
  seriesOf(text, name)
    .filter((series) => Object.entries(labels).every(([key, value]) => series.labels[key] === value))
    .reduce((sum, series) => sum + series.value, 0);

/** The `/metrics` beside a server's `/graphql`. */
export const metricsUrlOf = (graphqlUrl: string): string => graphqlUrl.replace(/\/graphql$/, '/metrics');

/** A scrape's text; fails the test on any status but 200. */
export const scrape = async (url: string, headers: Record<string, string> = {}): Promise<string> => {
  const response = await fetch(url, { headers });
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return response.text();
};
