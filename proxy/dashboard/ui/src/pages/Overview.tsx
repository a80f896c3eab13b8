import { lazy, Suspense, useState } from 'react';
import { Alert } from '../components/Alert.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { UsageBar } from '../components/UsageBar.tsx';
import { formatAge, formatCost, formatNumber, formatPercent } from '../format.ts';
import { useApi, useNow } from '../hooks.ts';
import type { Overview as OverviewData } from '../types.ts';

const TrendChart = lazy(() => import('../components/TrendChart.tsx'));

const TIMEFRAMES = [
  ['1d', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
] as const;

export function Overview() {
  const [timeframe, setTimeframe] = useState<string>('1d');
  const { data, error } = useApi<OverviewData>(`/api/dashboard/overview?timeframe=${timeframe}`, 30_000);
  const now = useNow();
  return (
    <section aria-labelledby="overview-title">
      <div className="page-head">
        <h1 id="overview-title">Overview</h1>
        <label>
          Period{' '}
          <select value={timeframe} onChange={(e) => setTimeframe(e.target.value)}>
            {TIMEFRAMES.map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Alert message={error} />
      {data && (
        <>
          <dl className="cards">
            <div className="card">
              <dt>Requests</dt>
              <dd data-testid="total-requests">{formatNumber(data.summary.requests)}</dd>
            </div>
            <div className="card">
              <dt>Tokens</dt>
              <dd>{formatNumber(data.summary.tokens)}</dd>
            </div>
            <div className="card">
              <dt>Cost</dt>
              <dd>{formatCost(data.summary.costUsd)}</dd>
            </div>
            <div className="card">
              <dt>Error rate</dt>
              <dd>{formatPercent(data.summary.errorRate)}</dd>
            </div>
            <div className="card">
              <dt>Accounts</dt>
              <dd>
                {data.pool.active} active / {data.pool.total}
              </dd>
            </div>
          </dl>
          <figure className="panel" aria-label="Requests and errors over time">
            <h2>Requests over time</h2>
            <div className="chart">
              <Suspense fallback={<p className="muted">Loading the chart…</p>}>
                <TrendChart trends={data.trends} timeframe={timeframe} />
              </Suspense>
            </div>
            <figcaption className="muted">
              {formatNumber(data.summary.requests)} requests, {formatNumber(data.summary.errorCount)} errors
              {data.summary.topError === null ? '' : ` (most often ${data.summary.topError})`}
            </figcaption>
          </figure>
          <div className="grid-2">
            <section className="panel" aria-labelledby="models-title">
              <h2 id="models-title">Top models</h2>
              {data.topModels.length === 0 ? (
                <p className="muted">No requests in this period.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Model</th>
                      <th scope="col">Requests</th>
                      <th scope="col">Tokens</th>
                      <th scope="col">Cost</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.topModels.map((m) => (
                      <tr key={m.model}>
                        <td>{m.model}</td>
                        <td>{formatNumber(m.requests)}</td>
                        <td>{formatNumber(m.tokens)}</td>
                        <td>{formatCost(m.costUsd)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section className="panel" aria-labelledby="windows-title">
              <h2 id="windows-title">Account usage</h2>
              <p className="muted">Usage last observed {formatAge(data.lastSyncAt, now)}.</p>
              {data.accounts.length === 0 && <p className="muted">No accounts yet: add one on the Accounts page.</p>}
              <ul className="account-usage">
                {data.accounts.map((a) => (
                  <li key={a.id}>
                    <div className="account-name">
                      <span>{a.alias ?? a.email}</span> <StatusBadge status={a.status} />
                    </div>
                    <UsageBar window={a.usage.primary} fallback="Primary" now={now} owner={a.alias ?? a.email} />
                    <UsageBar window={a.usage.secondary} fallback="Secondary" now={now} owner={a.alias ?? a.email} />
                  </li>
                ))}
              </ul>
            </section>
          </div>
        </>
      )}
    </section>
  );
}
