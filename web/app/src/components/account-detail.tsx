import { useEffect, useState } from 'preact/hooks';
import {
  type AppAccountFragment,
  AppDepositDocument,
  type AppTransactionFragment,
  AppTransactionRecordedDocument,
  AppTransactionsDocument,
  AppWithdrawDocument,
} from '../generated/graphql';
import { mergeNewestFirst, newestPosition } from '../log-order';
import { readWhenAnswered } from '../read';
import { canCommand, type Session } from '../session';
import { useLive } from '../use-live';
import { useApi } from './bank';
import { Problem, useCommand } from './command';
import { Transfers } from './transfers';

/** How many of the newest transactions the first read shows; the feed adds every later one. */
const firstPage = 100;

/**
 * Where the transactions feed starts: after the newest transaction the first page holds, or from
 * the start of the log when it holds none, so a transaction recorded between the read and the
 * subscription is sent by the subscription's catch-up rather than lost.
 */
const startOfLog = '0';

export const AccountDetail = ({
  account,
  session,
  accounts,
}: {
  account: AppAccountFragment;
  session: Session;
  accounts: readonly AppAccountFragment[];
}) => {
  const api = useApi();
  const [transactions, setTransactions] = useState<AppTransactionFragment[]>();
  useEffect(
    () =>
      readWhenAnswered(api.client, AppTransactionsDocument, { accountId: account.id, first: firstPage }, (data) =>
        setTransactions(data.transactions.edges.map((edge) => edge.node)),
      ),
    [api, account.id],
  );
  useLive(
    AppTransactionRecordedDocument,
    { accountId: account.id },
    transactions === undefined ? null : (newestPosition(transactions) ?? startOfLog),
    'transactionRecorded',
    (transaction) => setTransactions((held) => mergeNewestFirst(held ?? [], [transaction])),
  );
  return (
    <section class="account-detail" data-account-id={account.id}>
      <h2>
        {account.id} <span class="balance">{account.balance}</span> {account.currency}
      </h2>
      {canCommand(session) && account.status === 'OPEN' && <MoveMoney account={account} />}
      <div class="columns">
        <section>
          <h3>Transactions</h3>
          {transactions === undefined ? (
            <p class="hint">Loading…</p>
          ) : (
            <table class="transactions">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Kind</th>
                  <th class="money">Amount</th>
                  <th class="money">Balance after</th>
                </tr>
              </thead>
              <tbody>
                {transactions.map((transaction) => (
                  <tr key={transaction.id} data-transaction-id={transaction.id} data-position={transaction.position}>
                    <td>{new Date(transaction.occurredAt).toLocaleTimeString()}</td>
                    <td>{transaction.kind.toLowerCase().replace('_', ' ')}</td>
                    <td class="money">{transaction.amount}</td>
                    <td class="money">{transaction.balanceAfter}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <Transfers account={account} session={session} accounts={accounts} transactions={transactions ?? []} />
      </div>
    </section>
  );
};

const MoveMoney = ({ account }: { account: AppAccountFragment }) => {
  const [amount, setAmount] = useState('');
  const command = useCommand();
  const input = () => ({ accountId: account.id, amount, commandId: crypto.randomUUID() });
  const done = (result: unknown) => result !== undefined && setAmount('');
  const deposit = async () => done(await command.run(AppDepositDocument, { input: input() }));
  const withdraw = async () => done(await command.run(AppWithdrawDocument, { input: input() }));
  return (
    <form class="move-money" onSubmit={(event) => event.preventDefault()}>
      <label>
        Amount{' '}
        <input
          name="amount"
          value={amount}
          inputMode="decimal"
          placeholder="12.50"
          onInput={(event) => setAmount(event.currentTarget.value)}
        />
      </label>
      <button type="button" disabled={command.busy} onClick={deposit}>
        Deposit
      </button>
      <button type="button" disabled={command.busy} onClick={withdraw}>
        Withdraw
      </button>
      <Problem message={command.problem} />
    </form>
  );
};
