/**
 * The dashboard shell: asks for the session first (which also signs in a local caller when no password is set),
 * shows the login when there is none, else the navigation and the page for the current path. Paths are real URLs
 * (the proxy serves index.html for them), so a reload or a shared link opens the same page.
 */
import { useCallback, useEffect, useState, type MouseEvent } from 'react';
import { api, messageOf, onUnauthorized, setCsrfToken } from './api.ts';
import { Alert } from './components/Alert.tsx';
import { Accounts } from './pages/Accounts.tsx';
import { ApiKeys } from './pages/ApiKeys.tsx';
import { Login } from './pages/Login.tsx';
import { Overview } from './pages/Overview.tsx';
import { RequestLog } from './pages/RequestLog.tsx';
import { Settings } from './pages/Settings.tsx';
import type { SessionAnswer } from './types.ts';

const PAGES = [
  ['/', 'Overview'],
  ['/accounts', 'Accounts'],
  ['/requests', 'Request log'],
  ['/api-keys', 'API keys'],
  ['/settings', 'Settings'],
] as const;

type PagePath = (typeof PAGES)[number][0];

function pathOf(location: string): PagePath {
  return PAGES.find(([path]) => path === location)?.[0] ?? '/';
}

export function App() {
  const [session, setSession] = useState<SessionAnswer | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [path, setPath] = useState<PagePath>(() => pathOf(window.location.pathname));

  const adopt = useCallback((answer: SessionAnswer) => {
    setCsrfToken(answer.csrfToken);
    setSession(answer);
  }, []);
  const loadSession = useCallback(() => {
    api<SessionAnswer>('GET', '/api/dashboard-auth/session')
      .then(adopt)
      .catch((err: unknown) => setError(messageOf(err)));
  }, [adopt]);

  useEffect(loadSession, [loadSession]);
  useEffect(() => onUnauthorized(loadSession), [loadSession]);
  useEffect(() => {
    const back = (): void => setPath(pathOf(window.location.pathname));
    window.addEventListener('popstate', back);
    return () => window.removeEventListener('popstate', back);
  }, []);
  useEffect(() => {
    document.title = `${PAGES.find(([p]) => p === path)?.[1] ?? 'Overview'} · codex-lb`;
  }, [path]);

  const go = (event: MouseEvent<HTMLAnchorElement>, to: PagePath): void => {
    event.preventDefault();
    window.history.pushState(null, '', to);
    setPath(to);
  };

  const logout = (): void => {
    api('POST', '/api/dashboard-auth/logout')
      .catch(() => undefined)
      .finally(() => {
        setCsrfToken(undefined);
        loadSession();
      });
  };

  if (session === undefined) {
    return <main className="login">{error === undefined ? <p>Loading…</p> : <Alert message={error} />}</main>;
  }
  if (!session.authenticated) return <Login session={session} onSignedIn={adopt} />;

  return (
    <div className="shell">
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">codex-lb</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map(([to, label]) => (
              <li key={to}>
                <a href={to} aria-current={to === path ? 'page' : undefined} onClick={(e) => go(e, to)}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="user">
          {session.user?.username}
          {session.authMethod !== 'disabled' && session.authMethod !== 'trusted_header' && (
            <button type="button" className="link" onClick={logout}>
              Sign out
            </button>
          )}
        </span>
      </header>
      <main id="content" tabIndex={-1}>
        {path === '/' && <Overview />}
        {path === '/accounts' && <Accounts />}
        {path === '/requests' && <RequestLog />}
        {path === '/api-keys' && <ApiKeys />}
        {path === '/settings' && <Settings session={session} />}
      </main>
    </div>
  );
}
