/**
 * Adding accounts: the ChatGPT login in the browser (PKCE; the redirect lands on the proxy's callback port, or its
 * URL is pasted here when the browser cannot reach that port), the device code for a browser elsewhere, and an
 * auth.json upload. A login in progress is polled until it succeeds, fails or expires.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { Alert } from './Alert.tsx';

type Started =
  | { flowId: string; method: 'browser'; authorizationUrl: string; callbackUrl: string }
  | { flowId: string; method: 'device'; verificationUrl: string; userCode: string; intervalSeconds: number; expiresInSeconds: number };

interface FlowStatus {
  status: 'pending' | 'success' | 'error';
  errorMessage?: string;
  accountId?: string;
}

export function AddAccount({ onAdded }: { onAdded: () => void }) {
  const [flow, setFlow] = useState<Started | undefined>(undefined);
  const [status, setStatus] = useState<FlowStatus | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [pasted, setPasted] = useState('');
  const [authJson, setAuthJson] = useState('');
  const [notice, setNotice] = useState<string | undefined>(undefined);

  useEffect(() => {
    if (flow === undefined || status?.status !== 'pending') return undefined;
    const every = flow.method === 'device' ? Math.max(1, flow.intervalSeconds) * 1000 : 2000;
    const timer = setInterval(() => {
      api<FlowStatus>('GET', `/api/oauth/status?flowId=${encodeURIComponent(flow.flowId)}`)
        .then((next) => {
          setStatus(next);
          if (next.status === 'success') onAdded();
        })
        .catch((err: unknown) => setError(messageOf(err)));
    }, every);
    return () => clearInterval(timer);
  }, [flow, status?.status, onAdded]);

  async function start(method: 'browser' | 'device'): Promise<void> {
    setError(undefined);
    setNotice(undefined);
    try {
      const started = await api<Started>('POST', '/api/oauth/start', { forceMethod: method });
      setFlow(started);
      setStatus({ status: 'pending' });
      if (started.method === 'browser') window.open(started.authorizationUrl, '_blank', 'noopener,noreferrer');
    } catch (err) {
      setError(messageOf(err));
    }
  }

  async function finishPasted(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (flow === undefined) return;
    try {
      const next = await api<FlowStatus>('POST', '/api/oauth/manual-callback', { flowId: flow.flowId, callbackUrl: pasted });
      setStatus(next);
      if (next.status === 'success') onAdded();
    } catch (err) {
      setError(messageOf(err));
    }
  }

  async function upload(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(undefined);
    try {
      const answer = await api<{ outcome: string; account: { email: string } }>('POST', '/api/accounts/import', { authJson: JSON.parse(authJson) as unknown });
      setNotice(`${answer.account.email}: ${answer.outcome}`);
      setAuthJson('');
      onAdded();
    } catch (err) {
      setError(err instanceof SyntaxError ? 'That is not valid JSON: paste the whole ~/.codex/auth.json' : messageOf(err));
    }
  }

  async function readFile(file: File | undefined): Promise<void> {
    if (file !== undefined) setAuthJson(await file.text());
  }

  return (
    <section className="panel" aria-labelledby="add-title">
      <h2 id="add-title">Add an account</h2>
      <div className="actions">
        <button type="button" onClick={() => void start('browser')}>
          Log in with ChatGPT
        </button>
        <button type="button" className="secondary" onClick={() => void start('device')}>
          Use a device code
        </button>
      </div>
      {flow?.method === 'browser' && status?.status === 'pending' && (
        <div className="flow" data-testid="browser-flow">
          <p>
            A ChatGPT login opened in a new tab (or <a href={flow.authorizationUrl} target="_blank" rel="noopener noreferrer">open it here</a>). After
            signing in you are sent to <code>{flow.callbackUrl}</code>; if that page does not load, paste its address below.
          </p>
          <form onSubmit={(e) => void finishPasted(e)} className="inline-form">
            <label>
              Redirect URL
              <input type="url" value={pasted} onChange={(e) => setPasted(e.target.value)} placeholder="http://localhost:1455/auth/callback?code=…" />
            </label>
            <button type="submit" disabled={pasted === ''}>
              Finish login
            </button>
          </form>
        </div>
      )}
      {flow?.method === 'device' && status?.status === 'pending' && (
        <div className="flow" data-testid="device-flow">
          <p>
            On any device, open <a href={flow.verificationUrl} target="_blank" rel="noopener noreferrer">{flow.verificationUrl}</a> and enter the code
          </p>
          <p className="user-code" aria-label="Device code">
            {flow.userCode}
          </p>
          <p className="muted">Waiting for approval… the code expires in {Math.round(flow.expiresInSeconds / 60)} minutes.</p>
        </div>
      )}
      {status?.status === 'success' && <Alert kind="info" message="Account added to the pool." />}
      {status?.status === 'error' && <Alert message={status.errorMessage ?? 'The login did not complete.'} />}
      <Alert message={error} />
      <form onSubmit={(e) => void upload(e)} className="upload">
        <label>
          Or import an auth.json file
          <input type="file" accept="application/json,.json" onChange={(e) => void readFile(e.target.files?.[0])} />
        </label>
        <label>
          auth.json contents
          <textarea value={authJson} onChange={(e) => setAuthJson(e.target.value)} rows={3} spellCheck={false} />
        </label>
        <button type="submit" disabled={authJson.trim() === ''}>
          Import
        </button>
      </form>
      <Alert kind="info" message={notice} />
    </section>
  );
}
