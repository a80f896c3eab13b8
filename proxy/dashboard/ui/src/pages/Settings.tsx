import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import { useApi } from '../hooks.ts';
import type { FirewallView, SessionAnswer, SettingsView } from '../types.ts';

function Routing() {
  const { data, error, reload } = useApi<SettingsView>('/api/settings');
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const save = (change: Record<string, unknown>): void => {
    if (data === undefined) return;
    api('PUT', '/api/settings', { ...change, expectedVersion: data.version })
      .then(() => setActionError(undefined))
      .catch((err: unknown) => setActionError(messageOf(err)))
      .finally(reload);
  };
  const pinned = (field: string): string | undefined => data?.pinned[field];
  return (
    <section className="panel" aria-labelledby="routing-title">
      <h2 id="routing-title">Routing</h2>
      <Alert message={error ?? actionError} />
      {data && (
        <div className="settings">
          <label>
            Routing strategy
            <select value={data.values.routingStrategy} disabled={pinned('routingStrategy') !== undefined} onChange={(e) => save({ routingStrategy: e.target.value })}>
              {data.routingStrategies.map((s) => (
                <option key={s} value={s}>
                  {s.replaceAll('_', ' ')}
                </option>
              ))}
            </select>
          </label>
          {pinned('routingStrategy') && <p className="muted">Set by {pinned('routingStrategy')} in the proxy's environment.</p>}
          <label className="check">
            <input type="checkbox" checked={data.values.stickyThreadsEnabled} onChange={(e) => save({ stickyThreadsEnabled: e.target.checked })} />
            Sticky threads: keep a Codex conversation's requests on one account
          </label>
          <label className="check">
            <input type="checkbox" checked={data.values.preferEarlierResetAccounts} onChange={(e) => save({ preferEarlierResetAccounts: e.target.checked })} />
            Prefer accounts whose usage window resets sooner
          </label>
        </div>
      )}
    </section>
  );
}

function Firewall() {
  const { data, error, reload } = useApi<FirewallView>('/api/firewall/ips');
  const [address, setAddress] = useState('');
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const act = (call: Promise<unknown>): void => {
    call
      .then(() => {
        setActionError(undefined);
        setAddress('');
      })
      .catch((err: unknown) => setActionError(messageOf(err)))
      .finally(reload);
  };
  const add = (event: FormEvent): void => {
    event.preventDefault();
    act(api('POST', '/api/firewall/ips', { ipAddress: address }));
  };
  const locked = data !== undefined && data.pinnedBy !== null;
  return (
    <section className="panel" aria-labelledby="firewall-title">
      <h2 id="firewall-title">Client allow-list</h2>
      <p className="muted">
        Which client addresses may use the proxy routes (<code>/v1</code>, <code>/backend-api/codex</code>). Empty: every client. The dashboard is not
        affected.
      </p>
      <Alert message={error ?? actionError} />
      {locked && <p className="muted">Set by {data?.pinnedBy} in the proxy's environment.</p>}
      <ul className="plain">
        {data?.entries.map((entry) => (
          <li key={entry.ipAddress}>
            <code>{entry.ipAddress}</code>{' '}
            {!locked && (
              <button type="button" className="secondary" onClick={() => act(api('DELETE', `/api/firewall/ips/${encodeURIComponent(entry.ipAddress)}`))}>
                Remove <span className="sr-only">{entry.ipAddress}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {!locked && (
        <form className="inline-form" onSubmit={add}>
          <label>
            IP address or CIDR
            <input value={address} onChange={(e) => setAddress(e.target.value)} placeholder="10.0.0.0/8" />
          </label>
          <button type="submit" disabled={address.trim() === ''}>
            Add
          </button>
        </form>
      )}
    </section>
  );
}

function Password({ session }: { session: SessionAnswer }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | undefined>(undefined);
  if (!session.passwordManagementEnabled) return null;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const call = session.passwordRequired
      ? api('POST', '/api/dashboard-auth/password/change', { currentPassword: current, newPassword: next })
      : api('POST', '/api/dashboard-auth/password/setup', { password: next });
    call
      .then(() => {
        setMessage({ kind: 'info', text: 'Password saved. Other sessions were signed out.' });
        setCurrent('');
        setNext('');
      })
      .catch((err: unknown) => setMessage({ kind: 'error', text: messageOf(err) }));
  };
  return (
    <section className="panel" aria-labelledby="password-title">
      <h2 id="password-title">Dashboard password</h2>
      {!session.passwordRequired && <p className="muted">No password is set: only callers on the proxy's machine (e.g. kubectl port-forward) can sign in.</p>}
      <form className="inline-form" onSubmit={submit}>
        {session.passwordRequired && (
          <label>
            Current password
            <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
          </label>
        )}
        <label>
          New password
          <input type="password" autoComplete="new-password" minLength={8} value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <button type="submit" disabled={next.length < 8}>
          {session.passwordRequired ? 'Change password' : 'Set password'}
        </button>
      </form>
      <Alert kind={message?.kind} message={message?.text} />
    </section>
  );
}

export function Settings({ session }: { session: SessionAnswer }) {
  return (
    <section aria-labelledby="settings-title">
      <div className="page-head">
        <h1 id="settings-title">Settings</h1>
      </div>
      <Routing />
      <Firewall />
      <Password session={session} />
    </section>
  );
}
