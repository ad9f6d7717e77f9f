import { createContext } from 'preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { type Api, connectApi, type LinkState } from '../client';
import { isOperator, type Session } from '../session';
import { Accounts } from './accounts';
import { Operations } from './operations';

const ApiContext = createContext<Api | undefined>(undefined);

/** The signed-in session's client. */
export const useApi = (): Api => useContext(ApiContext)!;

const linkLabels: Readonly<Record<LinkState, string>> = {
  connecting: 'connecting…',
  online: 'live',
  offline: 'offline: reconnecting',
  refused: 'token refused: sign in again',
};

export const Bank = ({ session, onSignOut }: { session: Session; onSignOut: () => void }) => {
  const api = useMemo(() => connectApi(session.token), [session.token]);
  const [link, setLink] = useState<LinkState>('connecting');
  useEffect(() => {
    const stop = api.onConnection(setLink);
    return () => {
      stop();
      api.dispose();
    };
  }, [api]);
  return (
    <ApiContext.Provider value={api}>
      <header class="bar">
        <h1>esgraph bank</h1>
        <span class={`link ${link}`} data-link={link} role="status">
          {linkLabels[link]}
        </span>
        <span class="who">
          {session.userId} <span class="roles">{session.roles.join(', ')}</span>
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {link === 'refused' ? (
        <main class="bank">
          <p class="problem" role="alert">
            The server no longer accepts this token (expired or not valid).{' '}
            <button type="button" onClick={onSignOut}>
              Sign in again
            </button>
          </p>
        </main>
      ) : (
        <main class="bank">
          {isOperator(session) && <Operations />}
          <Accounts session={session} />
        </main>
      )}
    </ApiContext.Provider>
  );
};
