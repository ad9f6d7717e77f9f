import { useState } from 'preact/hooks';
import { keepSession, type Session, storedSession } from '../session';
import { Bank } from './bank';
import { SignIn } from './sign-in';

export const App = () => {
  const [session, setSession] = useState<Session | undefined>(storedSession);
  const signIn = (next: Session | undefined) => {
    keepSession(next);
    setSession(next);
  };
  return session === undefined ? (
    <SignIn onSignIn={signIn} />
  ) : (
    <Bank key={session.token} session={session} onSignOut={() => signIn(undefined)} />
  );
};
