import { useState } from 'preact/hooks';
import { developmentUsers, type Session, sessionOf } from '../session';

/** Sign in as one of the development users the server offers, or with a pasted token. */
export const SignIn = ({ onSignIn }: { onSignIn: (session: Session) => void }) => {
  const users = developmentUsers();
  const [pasted, setPasted] = useState('');
  const [problem, setProblem] = useState<string>();
  const signInWithPasted = (event: Event) => {
    event.preventDefault();
    const session = sessionOf(pasted);
    if (session === undefined) setProblem('That is not a token with a subject (sub).');
    else onSignIn(session);
  };
  return (
    <main class="sign-in">
      <h1>esgraph bank</h1>
      {users.length > 0 && (
        <section>
          <h2>Development users</h2>
          <p class="hint">Offered by this server because it signs its own development tokens.</p>
          <ul class="users">
            {users.map((user) => (
              <li key={user.sub}>
                <button type="button" class="user-choice" onClick={() => onSignIn(sessionOf(user.token)!)}>
                  {user.sub} <span class="roles">{user.roles.join(', ')}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <form onSubmit={signInWithPasted}>
        <label for="token">Bearer token</label>
        <textarea
          id="token"
          rows={4}
          value={pasted}
          onInput={(event) => setPasted(event.currentTarget.value)}
          placeholder="eyJhbGciOi…"
        />
        {problem && <p class="problem">{problem}</p>}
        <button type="submit">Sign in with this token</button>
      </form>
    </main>
  );
};
