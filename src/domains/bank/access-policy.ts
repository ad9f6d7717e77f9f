import {
  type AccessPolicy,
  type CommandGrant,
  type CommandRule,
  processManagerRole,
  type ReadGrant,
  type ReadRule,
  type SignedInCaller,
} from '../../core/index.js';
import type { BankServices } from './bank-services.js';
import type { BankCommand } from './commands.js';
import type { RequestTransfer, TransferCommand } from './transfers/transfer-commands.js';

/*
 * Who may do what in the bank, one rule per operation and per command. A customer acts on its
 * own accounts only (owner: the `sub` of its token, which is the account's `ownerId`); tellers
 * run every account command and read every account; managers and auditors read everything and
 * command nothing. An account nobody opened is refused exactly as another owner's is, so a
 * customer learns nothing about accounts that are not its own.
 *
 * A transfer's steps (its debit, credit and refund on the accounts, and each step recorded on the
 * transfer), and completing a requested close, are the process managers' alone: each runs as a
 * user `process-manager:<name>` with the role below, and no person holds that role, so nobody
 * moves money past the transfer's rules or closes an account past its request. A transfer itself
 * is asked for by a teller, or by a customer from an account it owns; a close is requested and
 * cancelled by them too.
 */

/** The process managers' own role (core sends it with their every command), and nobody else's. */
const processManagerOnly: CommandRule = { roles: { [processManagerRole]: 'all' } };

const staffReads = { teller: 'all', manager: 'all', auditor: 'all' } as const;
const oversightReads = { manager: 'all', auditor: 'all' } as const;

/** A command's data as the rules read it: every bank command names its account. */
type CommandData = BankCommand['data'] & { readonly ownerId?: string };

export const bankAccessPolicy = (bank: Pick<BankServices, 'accountOwner' | 'transferParties'>): AccessPolicy => {
  const owns = async (caller: SignedInCaller, accountId: unknown, field: string): Promise<boolean> =>
    typeof accountId === 'string' && (await bank.accountOwner(accountId, field)) === caller.userId;

  /** A read of one account's data: the customer's own account, by the argument that names it. */
  const ownAccountBy = (argument: string): ReadGrant => ({
    args: async (args, caller) => ((await owns(caller, args[argument], argument)) ? { ...args } : false),
  });

  /** A read of one transfer: the customer's own when it owns either account, from or to. */
  const ownTransferBy = (argument: string): ReadGrant => ({
    args: async (args, caller) => {
      const transferId = args[argument];
      const parties = typeof transferId === 'string' ? await bank.transferParties(transferId, argument) : undefined;
      if (parties === undefined) return false;
      const own =
        (await owns(caller, parties.fromAccountId, argument)) || (await owns(caller, parties.toAccountId, argument));
      return own ? { ...args } : false;
    },
  });

  const customerReads = (grant: ReadGrant): ReadRule => ({ roles: { customer: grant, ...staffReads } });

  /** An account command of a customer: on an account it owns. */
  const onOwnAccount: CommandGrant = ({ data }, caller) => owns(caller, (data as CommandData).accountId, 'accountId');

  /** A transfer asked for by a customer: from an account it owns, to any account. */
  const fromOwnAccount: CommandGrant = ({ data }, caller) =>
    owns(caller, (data as Partial<RequestTransfer['data']>).fromAccountId, 'fromAccountId');

  /** Opening, for itself only, and never over another owner's account (that id is taken: FORBIDDEN). */
  const opensForItself: CommandGrant = async ({ data }, caller) => {
    const { accountId, ownerId } = data as CommandData;
    if (ownerId !== caller.userId) return false;
    const owner = await bank.accountOwner(accountId, 'accountId');
    return owner === undefined || owner === caller.userId;
  };

  return {
    queries: {
      account: customerReads(ownAccountBy('id')),
      accounts: customerReads({
        // Without an owner, a customer's list is its own; with another owner's id, nothing.
        args: (args, caller) => {
          const ownerId = args.ownerId ?? caller.userId;
          return ownerId === caller.userId ? { ...args, ownerId } : false;
        },
      }),
      transactions: customerReads(ownAccountBy('accountId')),
      bankStats: { roles: oversightReads },
      accountHistory: { roles: staffReads },
      accountAsOf: { roles: staffReads },
      // Both directions: a customer sees the transfers from and to its accounts.
      transfer: customerReads(ownTransferBy('id')),
      transfers: customerReads(ownAccountBy('accountId')),
    },
    subscriptions: {
      accountUpdated: customerReads(ownAccountBy('id')),
      // Every account's feed is staff's; a customer names one of its own.
      transactionRecorded: customerReads(ownAccountBy('accountId')),
      transferUpdated: customerReads(ownTransferBy('id')),
    },
    mutations: {
      openAccount: { commands: ['OpenAccount'] },
      deposit: { commands: ['DepositMoney'] },
      withdraw: { commands: ['WithdrawMoney'] },
      closeAccount: { commands: ['CloseAccount'] },
      requestAccountClose: { commands: ['RequestAccountClose'] },
      cancelAccountClose: { commands: ['CancelAccountClose'] },
      transfer: { commands: ['RequestTransfer'] },
    },
    // Every bank and transfer command type, or this does not compile: a new command cannot go without a rule.
    commands: {
      OpenAccount: { roles: { teller: 'all', customer: opensForItself } },
      DepositMoney: { roles: { teller: 'all', customer: onOwnAccount } },
      WithdrawMoney: { roles: { teller: 'all', customer: onOwnAccount } },
      CloseAccount: { roles: { teller: 'all', customer: onOwnAccount } },
      RequestAccountClose: { roles: { teller: 'all', customer: onOwnAccount } },
      CancelAccountClose: { roles: { teller: 'all', customer: onOwnAccount } },
      // A pending close completes when the account is empty, which the close process watches for.
      CompleteAccountClose: processManagerOnly,
      DebitForTransfer: processManagerOnly,
      CreditForTransfer: processManagerOnly,
      RefundTransfer: processManagerOnly,
      RequestTransfer: { roles: { teller: 'all', customer: fromOwnAccount } },
      RecordDebit: processManagerOnly,
      FailTransfer: processManagerOnly,
      RecordCredit: processManagerOnly,
      RecordCreditRefused: processManagerOnly,
      RecordRefund: processManagerOnly,
      ConfirmTransferStep: processManagerOnly,
    } satisfies Record<BankCommand['type'] | TransferCommand['type'], CommandRule>,
  };
};
