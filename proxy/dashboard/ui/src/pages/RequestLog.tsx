import { useState } from 'react';
import { Alert } from '../components/Alert.tsx';
import { formatCost, formatNumber } from '../format.ts';
import { useApi } from '../hooks.ts';
import type { RequestLogEntry } from '../types.ts';

interface Options {
  accounts: Array<{ id: string; email: string; alias: string | null }>;
  apiKeys: Array<{ id: string; name: string }>;
  models: string[];
  statuses: string[];
}

const PAGE = 25;

function query(filters: Record<string, string>, offset: number): string {
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  for (const [key, value] of Object.entries(filters)) {
    if (value === '') continue;
    params.set(key, key === 'since' || key === 'until' ? new Date(value).toISOString() : value);
  }
  return params.toString();
}

export function RequestLog() {
  const [filters, setFilters] = useState({ accountId: '', apiKeyId: '', model: '', status: '', since: '', until: '' });
  const [offset, setOffset] = useState(0);
  const options = useApi<Options>('/api/request-logs/options');
  const page = useApi<{ requests: RequestLogEntry[]; total: number; totalExact: boolean; hasMore: boolean }>(`/api/request-logs?${query(filters, offset)}`, 15_000);
  const set = (key: keyof typeof filters) => (value: string) => {
    setFilters((f) => ({ ...f, [key]: value }));
    setOffset(0);
  };
  const select = (key: keyof typeof filters, label: string, values: Array<[string, string]>) => (
    <label>
      {label}
      <select value={filters[key]} onChange={(e) => set(key)(e.target.value)}>
        <option value="">All</option>
        {values.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
  const o = options.data;
  return (
    <section aria-labelledby="log-title">
      <div className="page-head">
        <h1 id="log-title">Request log</h1>
      </div>
      <form className="panel filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        {select('accountId', 'Account', (o?.accounts ?? []).map((a) => [a.id, a.alias ?? a.email]))}
        {select('apiKeyId', 'API key', (o?.apiKeys ?? []).map((k) => [k.id, k.name]))}
        {select('model', 'Model', (o?.models ?? []).map((m) => [m, m]))}
        {select('status', 'Status', (o?.statuses ?? []).map((s) => [s, s]))}
        <label>
          From
          <input type="datetime-local" value={filters.since} onChange={(e) => set('since')(e.target.value)} />
        </label>
        <label>
          Until
          <input type="datetime-local" value={filters.until} onChange={(e) => set('until')(e.target.value)} />
        </label>
      </form>
      <Alert message={page.error ?? options.error} />
      <div className="panel table-wrap">
        <table>
          <caption className="sr-only">Requests, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Status</th>
              <th scope="col">Model</th>
              <th scope="col">Account</th>
              <th scope="col">API key</th>
              <th scope="col">Tokens</th>
              <th scope="col">Cost</th>
              <th scope="col">Latency</th>
              <th scope="col">Failure</th>
            </tr>
          </thead>
          <tbody>
            {page.data?.requests.map((r) => (
              <tr key={r.id} className={r.status === 'error' ? 'row-error' : undefined}>
                <td>{new Date(r.requestedAt).toLocaleString()}</td>
                <td>
                  <span className={`badge request-${r.status}`}>{r.status}</span>
                </td>
                <td>{r.model ?? '—'}</td>
                <td>{r.accountEmail ?? '—'}</td>
                <td>{r.apiKeyName ?? '—'}</td>
                <td>{r.tokens === null ? '—' : formatNumber(r.tokens)}</td>
                <td>{formatCost(r.costUsd)}</td>
                <td>{r.latencyMs === null ? '—' : `${r.latencyMs} ms`}</td>
                <td>
                  {r.failureClass !== null && <span className="badge failure">{r.failureClass}</span>} {r.errorCode}
                  {r.errorMessage !== null && <div className="muted error-text">{r.errorMessage}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page.data?.requests.length === 0 && <p className="muted">No requests match.</p>}
        <nav className="pager" aria-label="Pages">
          <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Newer
          </button>
          <span>
            {page.data === undefined ? '' : `${offset + 1}–${offset + page.data.requests.length} of ${page.data.total}${page.data.totalExact ? '' : '+'}`}
          </span>
          <button type="button" className="secondary" disabled={!page.data?.hasMore} onClick={() => setOffset(offset + PAGE)}>
            Older
          </button>
        </nav>
      </div>
    </section>
  );
}
