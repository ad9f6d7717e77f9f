import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  type AppAccountFragment,
  AppAccountsDocument,
  AppAccountUpdatedDocument,
  AppOpenAccountDocument,
} from '../generated/graphql';
import { newerOf } from '../log-order';
import { readWhenAnswered } from '../read';
import { canCommand, type Session } from '../session';
import { useLive } from '../use-live';
import { AccountDetail } from './account-detail';
import { useApi } from './bank';
import { Problem, useCommand } from './command';

/** The accounts this user may see (a customer's own; everyone's for staff), balances live. */
export const Accounts = ({ session }: { session: Session }) => {
  const api = useApi();
  const [accounts, setAccounts] = useState<AppAccountFragment[]>();
  const [selected, setSelected] = useState<string>();
  // Read again (after the position of an account this page opened); each read ends the one before.
  const [readAfter, setReadAfter] = useState<string>();
  useEffect(
    () =>
      readWhenAnswered(api.client, AppAccountsDocument, { consistentWith: readAfter }, (data) =>
        // A change the feeds brought while this read was under way may be newer than what it read.
        setAccounts((held) =>
          newerOf(
            held,
            data.accounts.edges.map((edge) => edge.node),
          ),
        ),
      ),
    [api, readAfter],
  );
  const update = useCallback((account: AppAccountFragment) => {
    setAccounts((held) => held && newerOf([account], held));
  }, []);
  const current = accounts?.find((account) => account.id === selected);
  return (
    <>
      <section class="accounts">
        <h2>Accounts</h2>
        {accounts === undefined ? (
          <p class="hint">Loading…</p>
        ) : accounts.length === 0 ? (
          <p class="hint">No accounts yet.</p>
        ) : (
          <ul>
            {accounts.map((account) => (
              <AccountRow
                key={account.id}
                account={account}
                selected={account.id === selected}
                onSelect={() => setSelected(account.id)}
                onUpdate={update}
              />
            ))}
          </ul>
        )}
        {canCommand(session) && (
          <OpenAccount
            session={session}
            onOpened={(accountId, position) => {
              setSelected(accountId);
              setReadAfter(position);
            }}
          />
        )}
      </section>
      {current && <AccountDetail key={current.id} account={current} session={session} accounts={accounts ?? []} />}
    </>
  );
};

const AccountRow = ({
  account,
  selected,
  onSelect,
  onUpdate,
}: {
  account: AppAccountFragment;
  selected: boolean;
  onSelect: () => void;
  onUpdate: (account: AppAccountFragment) => void;
}) => {
  useLive(AppAccountUpdatedDocument, { id: account.id }, account.position, 'accountUpdated', onUpdate);
  return (
    <li class={selected ? 'selected' : undefined} data-account-id={account.id}>
      <button type="button" onClick={onSelect}>
        <span class="id">{account.id}</span>
        <span class="owner">{account.ownerId}</span>
        <span class="balance" data-balance>
          {account.balance} {account.currency}
        </span>
        {account.status === 'CLOSED' && <span class="closed">closed</span>}
      </button>
    </li>
  );
};

const OpenAccount = ({
  session,
  onOpened,
}: {
  session: Session;
  onOpened: (accountId: string, position: string) => void;
}) => {
  const isCustomer = session.roles.includes('customer');
  const [currency, setCurrency] = useState('EUR');
  const [ownerId, setOwnerId] = useState(isCustomer ? session.userId : '');
  const command = useCommand();
  const open = async (event: Event) => {
    event.preventDefault();
    const result = await command.run(AppOpenAccountDocument, {
      input: { ownerId, currency, commandId: crypto.randomUUID() },
    });
    if (result?.openAccount.accountId) onOpened(result.openAccount.accountId, result.openAccount.position);
  };
  return (
    <form class="open-account" onSubmit={open}>
      <h3>Open an account</h3>
      {!isCustomer && (
        <label>
          Owner <input value={ownerId} required onInput={(event) => setOwnerId(event.currentTarget.value)} />
        </label>
      )}
      <label>
        Currency{' '}
        <input
          value={currency}
          required
          pattern="[A-Z]{3}"
          size={3}
          onInput={(event) => setCurrency(event.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={command.busy}>
        Open
      </button>
      <Problem message={command.problem} />
    </form>
  );
};
