import { type Check, first, type LogEvent } from './oracle.js';

/*
 * The transfers' part of the oracle, recounted by hand from the log (as `readLog` reads it), not
 * through the domain's fold: for each transfer, what its stream says became of it, and what the
 * accounts' streams say moved for it. Money is conserved transfer by transfer when every one
 * settled, and each moved its amount out once and in once (COMPLETED) or not at all (FAILED:
 * nothing moved, or the debit came back as a refund).
 */

export type TransferStatus = 'PENDING' | 'COMPLETED' | 'FAILED';

/** One transfer as the log has it. Amounts in minor units. */
export interface TransferOutcome {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  status: TransferStatus;
  reason: string | undefined;
  /** The transfer stream's event types, in order. */
  readonly steps: string[];
  /** The accounts' movements for it: each amount, in log order. */
  readonly debits: number[];
  readonly credits: number[];
  readonly refunds: number[];
}

/** Which side of a transfer each account event moves money on, and which account it must be. */
const accountMoves = {
  MoneyTransferredOut: { list: 'debits', account: 'fromAccountId' },
  MoneyTransferredIn: { list: 'credits', account: 'toAccountId' },
  TransferOutRefunded: { list: 'refunds', account: 'fromAccountId' },
} as const;

const settlements: Record<string, TransferStatus> = { TransferCompleted: 'COMPLETED', TransferFailed: 'FAILED' };

/** Every transfer in the log, and what does not fit one (an account moving money for no transfer, …). */
export const transferLedger = (log: readonly LogEvent[]) => {
  const transfers = new Map<string, TransferOutcome>();
  const problems: string[] = [];
  for (const event of log) {
    const transferId = String(event.data.transferId);
    const transfer = transfers.get(transferId);
    if (event.streamName.startsWith('transfer-')) {
      if (event.type === 'TransferRequested') {
        if (transfer !== undefined) problems.push(`transfer ${transferId} requested twice`);
        transfers.set(transferId, {
          transferId,
          fromAccountId: String(event.data.fromAccountId),
          toAccountId: String(event.data.toAccountId),
          amount: Number(event.data.amount),
          status: 'PENDING',
          reason: undefined,
          steps: [event.type],
          debits: [],
          credits: [],
          refunds: [],
        });
        continue;
      }
      if (transfer === undefined) {
        problems.push(`${event.type} on transfer ${transferId} before its request`);
        continue;
      }
      if (transfer.steps.includes(event.type)) problems.push(`transfer ${transferId} records ${event.type} twice`);
      if (transfer.status !== 'PENDING')
        problems.push(`transfer ${transferId} records ${event.type} once ${transfer.status}`);
      transfer.steps.push(event.type);
      const settled = settlements[event.type];
      if (settled !== undefined) {
        transfer.status = settled;
        transfer.reason = event.data.reason === undefined ? undefined : String(event.data.reason);
      }
      continue;
    }
    const move = accountMoves[event.type as keyof typeof accountMoves];
    if (move === undefined) continue;
    if (transfer === undefined) {
      problems.push(
        `${event.type} on ${String(event.data.accountId)} for transfer ${transferId}, never requested before it`,
      );
      continue;
    }
    if (event.data.accountId !== transfer[move.account]) {
      problems.push(
        `${event.type} for transfer ${transferId} on ${String(event.data.accountId)}, not its ${move.account}`,
      );
    }
    transfer[move.list].push(Number(event.data.amount));
  }
  return { transfers, problems };
};

export type TransferLedger = ReturnType<typeof transferLedger>;

const total = (amounts: readonly number[]): number => amounts.reduce((sum, amount) => sum + amount, 0);

/** What is wrong with one transfer's money, if anything. */
const unbalanced = (transfer: TransferOutcome): string | undefined => {
  const { debits, credits, refunds, amount } = transfer;
  const moved = `debits [${debits}], credits [${credits}], refunds [${refunds}]`;
  if (debits.length > 1 || credits.length > 1 || refunds.length > 1) return `moved money twice: ${moved}`;
  if ([...debits, ...credits, ...refunds].some((each) => each !== amount))
    return `moved other than ${amount}: ${moved}`;
  if (transfer.status === 'PENDING') return `is still PENDING after ${transfer.steps.join(', ')}`;
  if (total(debits) !== total(credits) + total(refunds)) return `debits are not credits + refunds: ${moved}`;
  if (transfer.status === 'COMPLETED' && (debits.length !== 1 || refunds.length !== 0)) {
    return `is COMPLETED with ${moved}`;
  }
  if (transfer.status === 'FAILED' && credits.length !== 0) return `is FAILED (${transfer.reason}) with ${moved}`;
  return undefined;
};

/**
 * Every transfer settled; a COMPLETED one moved its amount out of its source once and into its
 * target once, a FAILED one moved nothing or had its debit refunded; no account moved money for
 * a transfer nobody asked for, or on the wrong side of one.
 */
export const transfersBalanced = ({ transfers, problems: found }: TransferLedger): Check => {
  const problems = [...found];
  for (const transfer of transfers.values()) {
    const problem = unbalanced(transfer);
    if (problem !== undefined) problems.push(`transfer ${transfer.transferId} ${problem}`);
  }
  const all = [...transfers.values()];
  const count = (status: TransferStatus) => all.filter((transfer) => transfer.status === status).length;
  const refunded = all.filter((transfer) => transfer.refunds.length > 0).length;
  return {
    name: 'transfers balanced',
    ok: problems.length === 0 && transfers.size > 0,
    detail:
      problems.length === 0
        ? `${transfers.size} transfers: ${count('COMPLETED')} COMPLETED, ${count('FAILED')} FAILED (${refunded} refunded); each debit = credit + refund`
        : `${problems.length} wrong: ${first(problems)}`,
  };
};
