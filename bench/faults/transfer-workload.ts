import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { type Outcome, post } from './graphql.js';

/*
 * The transfers' workload: 50 accounts (EUR and USD, some EUR ones closed before the load, some
 * closed during it right after a transfer to them is asked for), and a seeded plan of transfers
 * with deposits and withdrawals between them, sent with bounded concurrency to a command node.
 * Every command carries a commandId and is sent again with it when no answer came, so each
 * answer is the command's one outcome. The plan comes from fast-check's generators
 * (`fc.sample` with the seed), so a run is replayed from its seed.
 */

/** What a planned transfer is meant to meet. */
export type TransferIntent =
  /** Between two open accounts of one currency; fails only if the source lacks the amount then. */
  | 'ordinary'
  /** More than the bank holds in the currency: fails with INSUFFICIENT_FUNDS, nothing moved. */
  | 'over-balance'
  /** To an account in another currency: refused up front, nothing appended. */
  | 'other-currency'
  /** To an account closed before the load: the credit is refused, the debit refunded. */
  | 'to-closed'
  /** To an open, empty account closed as soon as the request is answered, before the credit comes. */
  | 'closed-after'
  /** The same mutation as an earlier one, commandId and all: the same transfer, asked for once. */
  | 'repeat';

export interface PlannedTransfer {
  readonly kind: 'transfer';
  readonly intent: TransferIntent;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: string;
  readonly commandId: string;
  /** For a repeat: the index of the transfer it repeats. */
  readonly repeats?: number;
}

export interface PlannedCash {
  readonly kind: 'deposit' | 'withdraw';
  readonly accountId: string;
  readonly amount: string;
  readonly commandId: string;
}

export interface TransferPlan {
  readonly transfers: readonly PlannedTransfer[];
  /** Transfers with the deposits and withdrawals between them, in the order they are sent. */
  readonly operations: readonly (PlannedTransfer | PlannedCash)[];
  /** Ascending transfer counts: after how many settled transfers the process manager is killed. */
  readonly killPoints: readonly number[];
}

/** The accounts: ids by role, all known before anything is sent. */
export interface TransferAccounts {
  readonly eur: readonly string[];
  readonly usd: readonly string[];
  /** EUR, closed before the load. */
  readonly closedBefore: readonly string[];
  /** EUR, open and empty until a transfer to it is asked for, then closed. */
  readonly closedAfter: readonly string[];
}

const layout = { eur: 32, usd: 10, closedBefore: 3, closedAfter: 5 } as const;
export const accountCount = layout.eur + layout.usd + layout.closedBefore + layout.closedAfter;
/** What each open account starts with, before any transfer. */
export const openingDeposit = '100.00';
/** More than all the EUR and USD the load ever deposits. */
const overBalance = '1000000.00';

export const transferAccounts = (): TransferAccounts => {
  const ids = (count: number) => Array.from({ length: count }, () => randomUUID());
  return {
    eur: ids(layout.eur),
    usd: ids(layout.usd),
    closedBefore: ids(layout.closedBefore),
    closedAfter: ids(layout.closedAfter),
  };
};

const money = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

const draw = fc.record({
  intent: fc.constantFrom<TransferIntent>(
    ...Array<TransferIntent>(78).fill('ordinary'),
    ...Array<TransferIntent>(7).fill('over-balance'),
    ...Array<TransferIntent>(7).fill('other-currency'),
    ...Array<TransferIntent>(5).fill('to-closed'),
    ...Array<TransferIntent>(3).fill('repeat'),
  ),
  usd: fc.boolean(),
  from: fc.nat(),
  to: fc.nat(),
  cents: fc.integer({ min: 1, max: 4_000 }),
  cash: fc.record({ deposit: fc.boolean(), account: fc.nat(), cents: fc.integer({ min: 1, max: 5_000 }) }),
});

type Draw = ReturnType<typeof draw.generate>['value'];

const pick = <T>(items: readonly T[], index: number): T => items[index % items.length]!;

/** A different item of `items` than `not`, chosen by `index`. */
const pickOther = <T>(items: readonly T[], index: number, not: T): T => {
  const others = items.filter((item) => item !== not);
  return pick(others, index);
};

/** The transfer a draw stands for, after `earlier` in the plan. */
const plannedTransfer = (
  accounts: TransferAccounts,
  drawn: Draw,
  closingTarget: string | undefined,
  earlier: readonly PlannedTransfer[],
): PlannedTransfer => {
  const commandId = randomUUID();
  const amount = money(drawn.cents);
  const [home, away] = drawn.usd ? [accounts.usd, accounts.eur] : [accounts.eur, accounts.usd];
  const fromAccountId = pick(home, drawn.from);
  const base = { kind: 'transfer', commandId, fromAccountId, amount } as const;
  if (closingTarget !== undefined) {
    return {
      ...base,
      intent: 'closed-after',
      fromAccountId: pick(accounts.eur, drawn.from),
      toAccountId: closingTarget,
    };
  }
  switch (drawn.intent) {
    case 'ordinary':
      return { ...base, intent: 'ordinary', toAccountId: pickOther(home, drawn.to, fromAccountId) };
    case 'over-balance':
      return {
        ...base,
        intent: 'over-balance',
        toAccountId: pickOther(home, drawn.to, fromAccountId),
        amount: overBalance,
      };
    case 'other-currency':
      return { ...base, intent: 'other-currency', toAccountId: pick(away, drawn.to) };
    case 'to-closed':
      return {
        ...base,
        intent: 'to-closed',
        fromAccountId: pick(accounts.eur, drawn.from),
        toAccountId: pick(accounts.closedBefore, drawn.to),
      };
    case 'repeat': {
      if (earlier.length === 0)
        return { ...base, intent: 'ordinary', toAccountId: pickOther(home, drawn.to, fromAccountId) };
      const repeats = drawn.to % earlier.length;
      const original = earlier[repeats]!;
      return { ...original, intent: 'repeat', repeats };
    }
    case 'closed-after':
      throw new Error('closed-after is placed by the plan, never drawn');
  }
};

const planArbitrary = (count: number, kills: number) =>
  fc.noBias(
    fc.record({
      draws: fc.array(draw, { minLength: count, maxLength: count }),
      closedAfterAt: fc.uniqueArray(fc.integer({ min: 0, max: count - 1 }), {
        minLength: layout.closedAfter,
        maxLength: layout.closedAfter,
      }),
      killPoints: fc.uniqueArray(fc.integer({ min: Math.ceil(count / 20), max: count - Math.ceil(count / 10) }), {
        minLength: kills,
        maxLength: kills,
      }),
    }),
  );

/**
 * `count` transfers (a deposit or withdrawal after every fourth) and `kills` kill points, drawn
 * from `seed`: the same seed and accounts give the same plan (command ids aside).
 */
export const planTransfers = (
  seed: number,
  accounts: TransferAccounts,
  { count, kills }: { count: number; kills: number },
): TransferPlan => {
  const [drawn] = fc.sample(planArbitrary(count, kills), { seed, numRuns: 1 });
  const { draws, closedAfterAt, killPoints } = drawn!;
  const transfers: PlannedTransfer[] = [];
  const operations: (PlannedTransfer | PlannedCash)[] = [];
  const open = [...accounts.eur, ...accounts.usd];
  draws.forEach((each, index) => {
    const closing = closedAfterAt.indexOf(index);
    const transfer = plannedTransfer(accounts, each, accounts.closedAfter[closing], transfers);
    transfers.push(transfer);
    operations.push(transfer);
    if (index % 4 !== 3) return;
    operations.push({
      kind: each.cash.deposit ? 'deposit' : 'withdraw',
      accountId: pick(open, each.cash.account),
      amount: money(each.cash.cents),
      commandId: randomUUID(),
    });
  });
  return { transfers, operations, killPoints: [...killPoints].sort((a, b) => a - b) };
};

/** What one planned operation came to: its answer (for a transfer, its id), or the refusal's code. */
export type Answer =
  | { readonly kind: 'ok'; readonly transferId?: string | null; readonly position: string }
  | { readonly kind: 'error'; readonly code: string; readonly message: string }
  | { readonly kind: 'failed'; readonly reason: string };

const documents = {
  transfer: 'mutation ($input: TransferInput!) { transfer(input: $input) { transferId position } }',
  deposit: 'mutation ($input: DepositInput!) { deposit(input: $input) { position } }',
  withdraw: 'mutation ($input: WithdrawInput!) { withdraw(input: $input) { position } }',
  closeAccount: 'mutation ($input: CloseAccountInput!) { closeAccount(input: $input) { position } }',
  openAccount: 'mutation ($input: OpenAccountInput!) { openAccount(input: $input) { position } }',
} as const;

/** Sends a mutation, and again with the same input (its commandId) while no answer came, a few times. */
const send = async (url: string, mutation: keyof typeof documents, input: Record<string, unknown>): Promise<Answer> => {
  let outcome: Outcome<Record<string, { transferId?: string | null; position: string }>> | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    outcome = await post(url, documents[mutation], { input });
    if (outcome.kind !== 'failed') break;
  }
  if (outcome!.kind !== 'ok') return outcome as Answer;
  const result = outcome!.data[mutation]!;
  return { kind: 'ok', transferId: result.transferId, position: result.position };
};

const sendOk = async (url: string, mutation: keyof typeof documents, input: Record<string, unknown>) => {
  const answer = await send(url, mutation, input);
  if (answer.kind !== 'ok') throw new Error(`${mutation} ${JSON.stringify(input)}: ${JSON.stringify(answer)}`);
  return answer;
};

/** Opens every account, funds the open ones, and closes the ones meant to be closed before the load. */
export const openTransferAccounts = async (url: string, accounts: TransferAccounts): Promise<void> => {
  const open = async (accountId: string, currency: string) =>
    sendOk(url, 'openAccount', { accountId, ownerId: randomUUID(), currency, commandId: randomUUID() });
  await Promise.all([
    ...[...accounts.eur, ...accounts.closedBefore, ...accounts.closedAfter].map((id) => open(id, 'EUR')),
    ...accounts.usd.map((id) => open(id, 'USD')),
  ]);
  await Promise.all(
    [...accounts.eur, ...accounts.usd].map((accountId) =>
      sendOk(url, 'deposit', { accountId, amount: openingDeposit, commandId: randomUUID() }),
    ),
  );
  await Promise.all(
    accounts.closedBefore.map((accountId) => sendOk(url, 'closeAccount', { accountId, commandId: randomUUID() })),
  );
};

/** What the load sent and what came back, index for index with the plan's. */
export interface TransferLoadResult {
  readonly transfers: Answer[];
  /** For each closed-after transfer's index: what closing its target answered. */
  readonly closes: Map<number, Answer>;
  readonly cash: Answer[];
}

/**
 * Sends the plan's operations to `url()` with at most `concurrency` in flight; a closed-after
 * transfer's target is closed as soon as its request is answered. `onTransfer` hears each
 * transfer's answer as it comes.
 */
export const runTransferLoad = async (
  url: () => string,
  plan: TransferPlan,
  concurrency: number,
  onTransfer: (answer: Answer) => void = () => undefined,
): Promise<TransferLoadResult> => {
  const result: TransferLoadResult = { transfers: [], closes: new Map(), cash: [] };
  const transferIndex = new Map(plan.transfers.map((transfer, index) => [transfer, index]));
  let next = 0;
  const worker = async () => {
    while (next < plan.operations.length) {
      const operation = plan.operations[next++]!;
      if (operation.kind !== 'transfer') {
        const { kind, ...input } = operation;
        result.cash.push(await send(url(), kind, input));
        continue;
      }
      const index = transferIndex.get(operation)!;
      const { fromAccountId, toAccountId, amount, commandId } = operation;
      const answer = await send(url(), 'transfer', { fromAccountId, toAccountId, amount, commandId });
      result.transfers[index] = answer;
      onTransfer(answer);
      if (operation.intent === 'closed-after' && answer.kind === 'ok') {
        result.closes.set(
          index,
          await send(url(), 'closeAccount', { accountId: toAccountId, commandId: randomUUID() }),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
};
