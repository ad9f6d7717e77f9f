/**
 * A metric's children by their label values, made once per combination and then found with a
 * map lookup per label: prom-client's own `labels()` joins the values into a key string on
 * every call, which is the allocation a hot path should not make per request.
 */
export class LabelChildren<Child> {
  readonly #children = new Map<string, Map<string, Map<string, Child>>>();

  constructor(private readonly make: (first: string, second: string, third: string) => Child) {}

  /** The child for these values (labels a metric does not have are left at ''). */
  get(first: string, second = '', third = ''): Child {
    let seconds = this.#children.get(first);
    if (seconds === undefined) {
      seconds = new Map();
      this.#children.set(first, seconds);
    }
    let thirds = seconds.get(second);
    if (thirds === undefined) {
      thirds = new Map();
      seconds.set(second, thirds);
    }
    let child = thirds.get(third);
    if (child === undefined) {
      child = this.make(first, second, third);
      thirds.set(third, child);
    }
    return child;
  }
}
