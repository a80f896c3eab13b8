import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import type { SessionAnswer } from '../types.ts';

/** Sign-in: the password, or (before one exists, from a remote browser) the first password with the bootstrap token. */
export function Login({ session, onSignedIn }: { session: SessionAnswer; onSignedIn: (answer: SessionAnswer) => void }) {
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const bootstrap = session.bootstrapRequired;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(undefined);
    try {
      const answer = bootstrap
        ? await api<SessionAnswer>('POST', '/api/dashboard-auth/password/setup', { password, bootstrapToken: token })
        : await api<SessionAnswer>('POST', '/api/dashboard-auth/password/login', { password });
      onSignedIn(answer);
    } catch (err) {
      setError(messageOf(err));
    }
  }

  if (session.authMode === 'trusted_header') {
    return (
      <main className="login">
        <h1>codex-lb</h1>
        <Alert message="This dashboard signs you in through your organisation's login proxy. Open it through that proxy." />
      </main>
    );
  }
  return (
    <main className="login">
      <h1>codex-lb</h1>
      <form className="panel" onSubmit={(e) => void submit(e)}>
        <h2>{bootstrap ? 'Set the dashboard password' : 'Sign in'}</h2>
        {bootstrap && (
          <>
            <p className="muted">
              No password is set yet. Enter the bootstrap token (<code>CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN</code>) and choose a password, or open the dashboard
              through <code>kubectl port-forward</code> to set it.
            </p>
            <label>
              Bootstrap token
              <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required />
            </label>
          </>
        )}
        <label>
          {bootstrap ? 'New password (8 characters or more)' : 'Password'}
          <input
            type="password"
            autoComplete={bootstrap ? 'new-password' : 'current-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoFocus
          />
        </label>
        <button type="submit">{bootstrap ? 'Set password and sign in' : 'Sign in'}</button>
        <Alert message={error} />
      </form>
    </main>
  );
}
