import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import { formatCost, formatNumber } from '../format.ts';
import { useApi } from '../hooks.ts';
import type { ApiKey } from '../types.ts';

export function ApiKeys() {
  const { data, error, reload } = useApi<{ apiKeys: ApiKey[]; usageDays: number }>('/api/api-keys');
  const [name, setName] = useState('');
  const [dailyTokens, setDailyTokens] = useState('');
  const [created, setCreated] = useState<{ name: string; key: string } | undefined>(undefined);
  const [actionError, setActionError] = useState<string | undefined>(undefined);

  async function create(event: FormEvent): Promise<void> {
    event.preventDefault();
    setActionError(undefined);
    const limits = dailyTokens === '' ? [] : [{ limitType: 'total_tokens', limitWindow: 'daily', maxValue: Number(dailyTokens) }];
    try {
      const answer = await api<{ key: string; apiKey: ApiKey }>('POST', '/api/api-keys', { name, limits });
      setCreated({ name: answer.apiKey.name, key: answer.key });
      setName('');
      setDailyTokens('');
      reload();
    } catch (err) {
      setActionError(messageOf(err));
    }
  }

  const act = (call: Promise<unknown>): void => {
    call.then(reload).catch((err: unknown) => setActionError(messageOf(err)));
  };

  return (
    <section aria-labelledby="keys-title">
      <div className="page-head">
        <h1 id="keys-title">API keys</h1>
      </div>
      <form className="panel inline-form" onSubmit={(e) => void create(e)} aria-label="Create an API key">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
        </label>
        <label>
          Daily token limit (optional)
          <input type="number" min={1} value={dailyTokens} onChange={(e) => setDailyTokens(e.target.value)} />
        </label>
        <button type="submit" disabled={name.trim() === ''}>
          Create key
        </button>
      </form>
      {created && (
        <div className="panel new-key" role="status">
          <p>
            Key <strong>{created.name}</strong> created. Copy it now: it is shown only once.
          </p>
          <code data-testid="new-key">{created.key}</code>{' '}
          <button type="button" className="secondary" onClick={() => void navigator.clipboard?.writeText(created.key)}>
            Copy
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      <Alert message={error ?? actionError} />
      <div className="panel table-wrap">
        <table>
          <caption className="sr-only">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Limits</th>
              <th scope="col">Usage ({data?.usageDays ?? 7} days)</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data?.apiKeys.map((k) => (
              <tr key={k.id}>
                <th scope="row">{k.name}</th>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>
                  {k.limits.length === 0
                    ? 'none'
                    : k.limits.map((l) => (
                        <div key={l.id}>
                          {l.limitType.replace('_', ' ')} {l.limitWindow}: {formatNumber(l.currentValue)} / {formatNumber(l.maxValue)}
                        </div>
                      ))}
                </td>
                <td>
                  {formatNumber(k.usage.requestCount)} requests, {formatNumber(k.usage.totalTokens)} tokens, {formatCost(k.usage.totalCostUsd)}
                </td>
                <td>{k.active ? 'active' : 'disabled'}</td>
                <td>
                  <div className="actions">
                  <button type="button" className="secondary" onClick={() => act(api('PATCH', `/api/api-keys/${k.id}`, { active: !k.active }))}>
                    {k.active ? 'Disable' : 'Enable'} <span className="sr-only">{k.name}</span>
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      if (window.confirm(`Revoke ${k.name}? Clients using it are refused from now on.`)) act(api('DELETE', `/api/api-keys/${k.id}`));
                    }}
                  >
                    Revoke <span className="sr-only">{k.name}</span>
                  </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {data?.apiKeys.length === 0 && <p className="muted">No API keys yet.</p>}
      </div>
    </section>
  );
}
