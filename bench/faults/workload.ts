import { type Outcome, post } from './graphql.js';

/*
 * The bounded mixed workload a row runs through its faults: workers depositing into and
 * withdrawing from a few shared accounts (half the commands with a commandId, those retried after
 * an error), and lifecycle workers that open, fill, empty and close accounts of their own. It
 * keeps a ledger of every acknowledged mutation (one that got a successful answer) for the
 * oracle, and judges every refusal against what it knows had certainly happened before: a
 * refusal that the acknowledged history makes impossible is recorded as wrongful.
 */

export type MutationKind = 'openAccount' | 'deposit' | 'withdraw' | 'closeAccount';

export interface AckedMutation {
  readonly kind: MutationKind;
  readonly accountId: string;
  /** Minor units. */
  readonly amount?: number;
  readonly commandId?: string;
  readonly streamName: string;
  readonly streamRevision: number;
  readonly position: string;
}

export interface WrongfulRefusal {
  readonly kind: MutationKind;
  readonly accountId: string;
  readonly code: string;
  readonly message: string;
  /** What the ledger knew when the command was sent. */
  readonly why: string;
}

export interface WorkloadOptions {
  /** GraphQL URLs of the command nodes as they are now (a restarted node has a new port). */
  readonly urls: () => readonly string[];
  /** Prefix of account and command ids, so rows never share one. */
  readonly label: string;
  readonly workers: number;
  readonly lifecycleWorkers: number;
  /**
   * Workers that each race one account of their own between two command nodes, without
   * commandIds: deposit on one node, deposit on the other, then withdraw both on the first.
   */
  readonly racers: number;
  /** Caps on the mutations sent (retries included) and on the time the load runs. */
  readonly maxOps: number;
  readonly maxMs: number;
  /** Only deposits (for rows that want many transactions). */
  readonly depositsOnly?: boolean;
}

interface AccountBook {
  readonly id: string;
  readonly currency: string;
  opened: boolean;
  /** Deposits answered successfully: certainly in the stream. */
  ackedDeposits: number;
  /** Withdrawals sent and not refused: they may be in the stream. */
  possibleWithdrawals: number;
  /** Deposits whose outcome is unknown (no answer, no retry left). */
  uncertainDeposits: number;
}

const mutationFields = '{ accountId position streamName streamRevision }';
const documents: Record<MutationKind, string> = {
  openAccount: `mutation ($input: OpenAccountInput!) { openAccount(input: $input) ${mutationFields} }`,
  deposit: `mutation ($input: DepositInput!) { deposit(input: $input) ${mutationFields} }`,
  withdraw: `mutation ($input: WithdrawInput!) { withdraw(input: $input) ${mutationFields} }`,
  closeAccount: `mutation ($input: CloseAccountInput!) { closeAccount(input: $input) ${mutationFields} }`,
};

interface CommandResult {
  readonly accountId: string;
  readonly position: string;
  readonly streamName: string;
  readonly streamRevision: number;
}

/** Codes that say "nothing decided, try again"; a retry with the same commandId is safe. */
const retriable = new Set(['INTERNAL_SERVER_ERROR', 'CONCURRENCY_CONFLICT', 'SERVICE_UNAVAILABLE', 'NO_CODE']);

/** What a command came to after its retries. */
type Settled =
  | { readonly kind: 'acked'; readonly result: CommandResult }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'unknown'; readonly reason: string };

const money = (minor: number): string => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
const randomInt = (low: number, high: number): number => low + Math.floor(Math.random() * (high - low + 1));

export class Workload {
  readonly acked: AckedMutation[] = [];
  readonly wrongful: WrongfulRefusal[] = [];
  readonly refusals = new Map<string, number>();
  readonly failures = new Map<string, number>();
  sent = 0;
  unknown = 0;
  readonly #books: AccountBook[] = [];
  readonly #shared: AccountBook[] = [];
  #stopping = false;
  #deadline = Number.POSITIVE_INFINITY;
  #running: Promise<unknown> | undefined;

  constructor(private readonly options: WorkloadOptions) {}

  /** The shared accounts, opened (and acknowledged) before the load starts; resolves with the first one's position. */
  async openSharedAccounts(count: number): Promise<string> {
    let first: string | undefined;
    for (let index = 0; index < count; index++) {
      const book = this.#book(`${this.options.label}-s${index}`, index % 2 === 0 ? 'EUR' : 'USD');
      this.#shared.push(book);
      const settled = await this.#openAccount(book, 0);
      if (settled.kind !== 'acked')
        throw new Error(`could not open shared account ${book.id}: ${JSON.stringify(settled)}`);
      first ??= settled.result.position;
    }
    return first!;
  }

  get sharedAccounts(): readonly string[] {
    return this.#shared.map((book) => book.id);
  }

  start(): void {
    this.#deadline = Date.now() + this.options.maxMs;
    const shared = this.#shared.slice();
    this.#running = Promise.all([
      ...Array.from({ length: this.options.workers }, (_, worker) => this.#sharedWorker(worker, shared)),
      ...Array.from({ length: this.options.lifecycleWorkers }, (_, worker) =>
        this.#lifecycleWorker(this.options.workers + worker),
      ),
      ...Array.from({ length: this.options.racers }, (_, racer) => this.#racer(racer)),
    ]);
  }

  /** Stops sending and resolves once every command in flight has settled. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
  }

  get running(): boolean {
    return !this.#stopping && Date.now() < this.#deadline && this.sent < this.options.maxOps;
  }

  #book(id: string, currency: string): AccountBook {
    const book = { id, currency, opened: false, ackedDeposits: 0, possibleWithdrawals: 0, uncertainDeposits: 0 };
    this.#books.push(book);
    return book;
  }

  #url(worker: number): string {
    const urls = this.options.urls();
    return urls[worker % urls.length]!;
  }

  async #sharedWorker(worker: number, shared: readonly AccountBook[]): Promise<void> {
    for (let index = 0; this.running; index++) {
      const book = shared[randomInt(0, shared.length - 1)]!;
      const commandId = Math.random() < 0.5 ? `${this.options.label}-w${worker}-${index}` : undefined;
      if (this.options.depositsOnly || Math.random() < 0.55)
        await this.#deposit(book, randomInt(100, 5_000), worker, commandId);
      else await this.#withdraw(book, randomInt(100, 3_000), worker, commandId);
    }
  }

  /** Open, deposit, withdraw it all, close: every step with a commandId, so every step can be retried. */
  async #lifecycleWorker(worker: number): Promise<void> {
    for (let round = 0; this.running; round++) {
      const id = `${this.options.label}-l${worker}-${round}`;
      const book = this.#book(id, round % 2 === 0 ? 'EUR' : 'USD');
      // Each step goes to the next command node, so a node that cached the account's state has to
      // notice what another node appended since.
      if ((await this.#openAccount(book, worker)).kind !== 'acked') continue;
      const amount = randomInt(100, 2_000);
      if ((await this.#deposit(book, amount, worker + 1, `${id}-dep`)).kind !== 'acked') continue;
      if ((await this.#withdraw(book, amount, worker + 2, `${id}-wd`)).kind !== 'acked') continue;
      await this.#close(book, worker + 3, `${id}-close`);
    }
  }

  /**
   * A node that decided on this account before keeps its fold; the withdrawal on it is only
   * possible if it notices the other node's deposit. Commands without a commandId, as a client
   * that does not retry sends them (with one, the pipeline reads the stream anyway).
   */
  async #racer(racer: number): Promise<void> {
    const book = this.#book(`${this.options.label}-r${racer}`, 'EUR');
    if ((await this.#openAccount(book, 0)).kind !== 'acked') return;
    while (this.running) {
      const amount = randomInt(100, 2_000);
      if ((await this.#deposit(book, amount, 0, undefined)).kind !== 'acked') continue;
      if ((await this.#deposit(book, amount, 1, undefined)).kind !== 'acked') continue;
      const withdrawal = await this.#withdraw(book, 2 * amount, 0, undefined);
      // Refused (wrongly: the ledger records it): empty it through the node that saw both deposits.
      if (withdrawal.kind === 'refused') await this.#withdraw(book, 2 * amount, 1, undefined);
    }
  }

  async #openAccount(book: AccountBook, worker: number): Promise<Settled> {
    const input = {
      accountId: book.id,
      ownerId: `${this.options.label}-owner`,
      currency: book.currency,
      commandId: `${book.id}-open`,
    };
    const settled = await this.#send('openAccount', input, worker, true);
    if (settled.kind === 'acked') {
      book.opened = true;
      this.#ack('openAccount', book.id, settled.result, undefined, input.commandId);
    }
    if (settled.kind === 'refused') this.#judge('openAccount', book, settled, `${book.id} is new to this run`);
    return settled;
  }

  async #deposit(book: AccountBook, amount: number, worker: number, commandId: string | undefined): Promise<Settled> {
    const openedAtSend = book.opened;
    const settled = await this.#send(
      'deposit',
      { accountId: book.id, amount: money(amount), commandId },
      worker,
      commandId !== undefined,
    );
    if (settled.kind === 'acked') {
      book.ackedDeposits += amount;
      this.#ack('deposit', book.id, settled.result, amount, commandId);
    } else if (settled.kind === 'unknown') {
      book.uncertainDeposits++;
    } else if (
      openedAtSend &&
      (settled.code === 'ACCOUNT_NOT_FOUND' ||
        settled.code === 'ACCOUNT_CLOSED' ||
        settled.code === 'BALANCE_LIMIT_EXCEEDED')
    ) {
      this.#judge('deposit', book, settled, 'its opening was acknowledged and nothing closes it before this');
    }
    return settled;
  }

  async #withdraw(book: AccountBook, amount: number, worker: number, commandId: string | undefined): Promise<Settled> {
    const openedAtSend = book.opened;
    const depositedAtSend = book.ackedDeposits;
    book.possibleWithdrawals += amount;
    const settled = await this.#send(
      'withdraw',
      { accountId: book.id, amount: money(amount), commandId },
      worker,
      commandId !== undefined,
    );
    if (settled.kind === 'acked') this.#ack('withdraw', book.id, settled.result, amount, commandId);
    if (settled.kind !== 'refused') return settled;
    book.possibleWithdrawals -= amount;
    // Every withdrawal that could have been decided before this one is counted (sent and not refused).
    const leastBalance = depositedAtSend - book.possibleWithdrawals;
    if (settled.code === 'INSUFFICIENT_FUNDS' && leastBalance >= amount) {
      this.#judge('withdraw', book, settled, `at least ${money(leastBalance)} was there for ${money(amount)}`);
    } else if (openedAtSend && (settled.code === 'ACCOUNT_NOT_FOUND' || settled.code === 'ACCOUNT_CLOSED')) {
      this.#judge('withdraw', book, settled, 'its opening was acknowledged and nothing closes it before this');
    }
    return settled;
  }

  async #close(book: AccountBook, worker: number, commandId: string): Promise<Settled> {
    const emptyAtSend = book.uncertainDeposits === 0 && book.ackedDeposits === book.possibleWithdrawals;
    const settled = await this.#send('closeAccount', { accountId: book.id, commandId }, worker, true);
    if (settled.kind === 'acked') this.#ack('closeAccount', book.id, settled.result, undefined, commandId);
    if (settled.kind === 'refused' && emptyAtSend) {
      this.#judge('closeAccount', book, settled, 'every deposit into it was acknowledged and withdrawn');
    }
    return settled;
  }

  #ack(
    kind: MutationKind,
    accountId: string,
    result: CommandResult,
    amount: number | undefined,
    commandId: string | undefined,
  ): void {
    this.acked.push({
      kind,
      accountId,
      ...(amount === undefined ? {} : { amount }),
      ...(commandId === undefined ? {} : { commandId }),
      streamName: result.streamName,
      streamRevision: result.streamRevision,
      position: result.position,
    });
  }

  #judge(kind: MutationKind, book: AccountBook, refusal: { code: string; message: string }, why: string): void {
    this.wrongful.push({ kind, accountId: book.id, code: refusal.code, message: refusal.message, why });
  }

  /**
   * Sends a command until it settles. Without a commandId a command is sent again only when it
   * certainly never arrived (connection refused); with one, after any error that decided nothing.
   */
  async #send(kind: MutationKind, input: Record<string, unknown>, worker: number, retry: boolean): Promise<Settled> {
    for (let attempt = 0; ; attempt++) {
      this.sent++;
      const outcome: Outcome<Record<string, CommandResult>> = await post(this.#url(worker), documents[kind], { input });
      if (outcome.kind === 'ok') return { kind: 'acked', result: outcome.data[kind]! };
      if (outcome.kind === 'error' && !retriable.has(outcome.code)) {
        this.refusals.set(outcome.code, (this.refusals.get(outcome.code) ?? 0) + 1);
        return { kind: 'refused', code: outcome.code, message: outcome.message };
      }
      const reason = outcome.kind === 'error' ? outcome.code : outcome.reason;
      this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
      const safe = retry || reason === 'ECONNREFUSED';
      // Past the deadline a command with a commandId still gets its retries: its outcome must be known.
      if (!safe || attempt >= 40 || (this.#stopping && !retry) || Date.now() > this.#deadline + 20_000) {
        this.unknown++;
        return { kind: 'unknown', reason };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, 25 * 2 ** Math.min(attempt, 5))));
    }
  }
}
