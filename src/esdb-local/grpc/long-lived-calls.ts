/**
 * Calls that stay open until the client ends them: subscriptions, and the BatchAppend call a
 * client keeps for all its appends. gRPC's graceful shutdown waits for every call, so stopping
 * the server must end these itself, each in its own way (a BatchAppend first answers the writes
 * it has committed). Each ends with UNAVAILABLE, which tells clients to reconnect.
 */
export class LongLivedCalls {
  readonly #endings = new Set<() => Promise<void> | void>();

  /** Registers how to end an open call; returns the function to call once it is over. */
  add(end: () => Promise<void> | void): () => void {
    this.#endings.add(end);
    return () => this.#endings.delete(end);
  }

  /** Ends every open call and resolves when each has been ended. */
  async endAll(): Promise<void> {
    const endings = [...this.#endings];
    this.#endings.clear();
    await Promise.all(endings.map((end) => end()));
  }
}
