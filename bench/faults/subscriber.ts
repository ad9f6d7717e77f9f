import { wsClient } from './graphql.js';

/*
 * A subscriber as a careful client writes one: `transactionRecorded` over graphql-ws, and after
 * any error or close it connects again (to wherever the node now listens) with `since` = the last
 * position it saw. What it saw is kept whole, so the oracle can tell a gap or a repeat.
 */

export interface SeenTransaction {
  readonly id: string;
  readonly accountId: string;
  readonly position: bigint;
}

const subscription = `subscription ($since: String, $accountId: ID) {
  transactionRecorded(accountId: $accountId, since: $since) { id accountId position }
}`;

/** Reconnecting is a retry pace, not a wait for anything: the next attempt just tries again. */
const backoffMs = (attempt: number): number => Math.min(1_000, 50 * 2 ** attempt);

export class ResumingSubscriber {
  readonly seen: SeenTransaction[] = [];
  /** How many times it connected again after an error or close. */
  resumes = 0;
  lastProblem: string | undefined;
  #stopped = false;
  #end: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly wsUrl: () => string,
    private readonly since: string,
    readonly accountId?: string,
  ) {}

  start(): void {
    this.#running = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#end?.();
    await this.#running;
  }

  get lastPosition(): string {
    const last = this.seen.at(-1);
    return last === undefined ? this.since : last.position.toString();
  }

  async #run(): Promise<void> {
    for (let attempt = 0; !this.#stopped; attempt++) {
      const client = wsClient(this.wsUrl());
      const before = this.seen.length;
      await new Promise<void>((resolve) => {
        this.#end = resolve;
        client.subscribe(
          { query: subscription, variables: { since: this.lastPosition, accountId: this.accountId ?? null } },
          {
            next: (result) => {
              const transaction = (result.data as { transactionRecorded?: Record<string, string> } | null | undefined)
                ?.transactionRecorded;
              if (transaction === undefined) {
                this.lastProblem = `payload without data: ${JSON.stringify(result.errors ?? result).slice(0, 200)}`;
                return;
              }
              this.seen.push({
                id: String(transaction.id),
                accountId: String(transaction.accountId),
                position: BigInt(String(transaction.position)),
              });
            },
            error: (error) => {
              this.lastProblem = describe(error);
              resolve();
            },
            complete: () => {
              this.lastProblem = 'completed by the server';
              resolve();
            },
          },
        );
      });
      await client.dispose();
      if (this.#stopped) return;
      this.resumes++;
      if (this.seen.length > before) attempt = 0;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }
}

const describe = (error: unknown): string => {
  if (Array.isArray(error)) return error.map((e) => (e as Error).message).join('; ');
  if (error instanceof Error) return error.message;
  const close = error as { code?: number; reason?: string; type?: string };
  if (typeof close.code === 'number') return `closed ${close.code} ${close.reason ?? ''}`.trim();
  return String(close.type ?? error);
};
