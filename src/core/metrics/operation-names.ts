/** What an operation without a name is counted as. */
export const anonymousOperation = 'anonymous';
/** What every name past the bound is counted as. */
export const otherOperations = 'other';

/** Longer names are not labels: GraphQL names have no length limit, Prometheus series should. */
const longestName = 64;

/**
 * The operation names metrics may carry as a label. Names are the client's choice, so they are
 * bounded: the first `limit` distinct names seen (after any `preset`, the trusted documents'
 * names) keep their own series, every later one is counted as `other`. A name that has a series
 * keeps it for the life of the process.
 */
export class OperationNames {
  readonly #known: Set<string>;
  #room: number;

  constructor(limit: number, preset: Iterable<string> = []) {
    this.#known = new Set(preset);
    this.#room = limit;
  }

  /** The label for an operation's name: itself, `anonymous`, or `other`. */
  label(name: string | null | undefined): string {
    if (name === null || name === undefined || name === '') return anonymousOperation;
    if (this.#known.has(name)) return name;
    if (this.#room === 0 || name.length > longestName) return otherOperations;
    this.#room--;
    this.#known.add(name);
    return name;
  }
}
