import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  type AppAccountFragment,
  AppRequestTransferDocument,
  type AppTransactionFragment,
  AppTransferDocument,
  type AppTransferFragment,
  AppTransfersDocument,
  AppTransferUpdatedDocument,
} from '../generated/graphql';
import { mergeNewestFirst } from '../log-order';
import { readWhenAnswered } from '../read';
import { canCommand, type Session } from '../session';
import { useLive } from '../use-live';
import { useApi } from './bank';
import { Problem, useCommand } from './command';

/**
 * The account's transfers, each followed step by step until it settles. A transfer the first read
 * did not hold joins when this client asks for it, or when a transaction of it arrives.
 */
export const Transfers = ({
  account,
  session,
  accounts,
  transactions,
}: {
  account: AppAccountFragment;
  session: Session;
  accounts: readonly AppAccountFragment[];
  transactions: readonly AppTransactionFragment[];
}) => {
  const api = useApi();
  const [transfers, setTransfers] = useState<AppTransferFragment[]>([]);
  const add = useCallback(
    (transfer: AppTransferFragment) => setTransfers((held) => mergeNewestFirst(held, [transfer])),
    [],
  );
  useEffect(
    () =>
      readWhenAnswered(api.client, AppTransfersDocument, { accountId: account.id }, (data) =>
        setTransfers((held) =>
          mergeNewestFirst(
            held,
            data.transfers.edges.map((edge) => edge.node),
          ),
        ),
      ),
    [api, account.id],
  );
  // The transfers that moved money on this account and are not listed yet, as one comparable key.
  const unknown = [
    ...new Set(
      transactions
        .map((transaction) => transaction.transferId)
        .filter((id): id is string => id !== null && !transfers.some((transfer) => transfer.id === id)),
    ),
  ].join(' ');
  useEffect(() => {
    for (const id of unknown.split(' ').filter(Boolean)) {
      void api.client
        .query(AppTransferDocument, { id })
        .toPromise()
        .then((result) => result.data?.transfer && add(result.data.transfer));
    }
  }, [api, unknown, add]);
  return (
    <section class="transfers">
      <h3>Transfers</h3>
      {canCommand(session) && account.status === 'OPEN' && (
        <TransferForm account={account} accounts={accounts} onRequested={add} />
      )}
      {transfers.length === 0 ? (
        <p class="hint">None yet.</p>
      ) : (
        <ul>
          {transfers.map((transfer) => (
            <TransferRow key={transfer.id} transfer={transfer} accountId={account.id} onUpdate={add} />
          ))}
        </ul>
      )}
    </section>
  );
};

const TransferRow = ({
  transfer,
  accountId,
  onUpdate,
}: {
  transfer: AppTransferFragment;
  accountId: string;
  onUpdate: (transfer: AppTransferFragment) => void;
}) => {
  const settled = transfer.status !== 'PENDING';
  // Followed while pending only: a settled transfer changes no more.
  useLive(
    AppTransferUpdatedDocument,
    { id: transfer.id },
    settled ? null : transfer.position,
    'transferUpdated',
    onUpdate,
  );
  const outgoing = transfer.fromAccountId === accountId;
  return (
    <li class={`transfer ${transfer.status.toLowerCase()}`} data-transfer-id={transfer.id}>
      <div>
        {outgoing ? `to ${transfer.toAccountId}` : `from ${transfer.fromAccountId}`}: {transfer.amount}{' '}
        {transfer.currency} <strong data-status>{transfer.status}</strong>
        {transfer.reason && <span class="reason"> ({transfer.reason})</span>}
      </div>
      <ol class="steps">
        {transfer.steps.map((step) => (
          <li key={`${step.kind}:${step.at}`}>
            {step.kind.toLowerCase().replace(/_/g, ' ')} <time>{new Date(step.at).toLocaleTimeString()}</time>
          </li>
        ))}
      </ol>
    </li>
  );
};

const TransferForm = ({
  account,
  accounts,
  onRequested,
}: {
  account: AppAccountFragment;
  accounts: readonly AppAccountFragment[];
  onRequested: (transfer: AppTransferFragment) => void;
}) => {
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const api = useApi();
  const command = useCommand();
  const targets = accounts.filter((other) => other.id !== account.id && other.currency === account.currency);
  const send = async (event: Event) => {
    event.preventDefault();
    const input = { fromAccountId: account.id, toAccountId: to, amount, commandId: crypto.randomUUID() };
    const result = await command.run(AppRequestTransferDocument, { input });
    const transferId = result?.transfer.transferId;
    if (!transferId) return;
    setAmount('');
    setTo('');
    // Read as the read model holds it once it has the request; its feed then brings every step.
    const read = await api.client
      .query(AppTransferDocument, { id: transferId, consistentWith: result.transfer.position })
      .toPromise();
    if (read.data?.transfer) onRequested(read.data.transfer);
  };
  return (
    <form class="transfer-form" onSubmit={send}>
      <label>
        To{' '}
        <input
          name="to"
          list={`targets-${account.id}`}
          value={to}
          required
          placeholder="account id"
          onInput={(event) => setTo(event.currentTarget.value)}
        />
        <datalist id={`targets-${account.id}`}>
          {targets.map((target) => (
            <option key={target.id} value={target.id}>
              {target.ownerId}
            </option>
          ))}
        </datalist>
      </label>
      <label>
        Amount{' '}
        <input
          name="transfer-amount"
          value={amount}
          required
          inputMode="decimal"
          onInput={(event) => setAmount(event.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={command.busy}>
        Transfer
      </button>
      <Problem message={command.problem} />
    </form>
  );
};
