import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import { AddAccount } from '../components/AddAccount.tsx';
import { Alert } from '../components/Alert.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { UsageBar } from '../components/UsageBar.tsx';
import { formatAge } from '../format.ts';
import { useApi, useNow } from '../hooks.ts';
import type { Account, RoutingPolicy } from '../types.ts';

const POLICIES: RoutingPolicy[] = ['normal', 'burn_first', 'preserve'];

function AccountRow({ account, now, changed }: { account: Account; now: number; changed: (error?: string) => void }) {
  const [alias, setAlias] = useState(account.alias ?? '');
  const name = account.alias ?? account.email;
  const managed = account.managedBy !== null;
  const run = (call: Promise<unknown>): void => {
    call.then(() => changed()).catch((err: unknown) => changed(messageOf(err)));
  };
  const paused = account.status === 'paused';
  return (
    <tr>
      <th scope="row">
        {account.alias !== null && <div className="alias">{account.alias}</div>}
        <div>{account.email}</div>
        {managed && (
          <span className="badge managed" title="Alias, routing policy and pause are declared by this resource">
            Managed by {account.managedBy}
          </span>
        )}
        <div className="muted">{account.planType}</div>
      </th>
      <td>
        <StatusBadge status={account.status} />
        {account.statusReason !== null && <div className="muted">{account.statusReason}</div>}
      </td>
      <td className="usage-cell">
        <UsageBar window={account.usage.primary} fallback="Primary" now={now} owner={name} />
        <UsageBar window={account.usage.secondary} fallback="Secondary" now={now} owner={name} />
      </td>
      <td>
        <div>refreshed {formatAge(account.lastRefreshAt, now)}</div>
        {account.lastErrorCode !== null && <div className="muted">last error: {account.lastErrorCode}</div>}
      </td>
      <td>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            run(api('PUT', `/api/accounts/${account.id}/alias`, { alias: alias === '' ? null : alias }));
          }}
        >
          <label>
            <span className="sr-only">Alias of {account.email}</span>
            <input value={alias} onChange={(e) => setAlias(e.target.value)} disabled={managed} placeholder="alias" size={10} />
          </label>
          <button type="submit" className="secondary" disabled={managed}>
            Save
          </button>
        </form>
        <label>
          <span className="sr-only">Routing policy of {account.email}</span>
          <select
            value={account.routingPolicy}
            disabled={managed}
            onChange={(e) => run(api('PUT', `/api/accounts/${account.id}/routing-policy`, { routingPolicy: e.target.value }))}
          >
            {POLICIES.map((p) => (
              <option key={p} value={p}>
                {p.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
      </td>
      <td>
                  <div className="actions">
        <button type="button" className="secondary" disabled={managed} onClick={() => run(api('POST', `/api/accounts/${account.id}/${paused ? 'reactivate' : 'pause'}`))}>
          {paused ? 'Resume' : 'Pause'} <span className="sr-only">{account.email}</span>
        </button>
        <button
          type="button"
          className="danger"
          disabled={managed}
          onClick={() => {
            if (window.confirm(`Remove ${account.email} from the pool?`)) run(api('DELETE', `/api/accounts/${account.id}`));
          }}
        >
          Remove <span className="sr-only">{account.email}</span>
        </button>
        </div>
                </td>
    </tr>
  );
}

export function Accounts() {
  const { data, error, reload } = useApi<{ accounts: Account[] }>('/api/accounts', 30_000);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const now = useNow();
  const changed = (err?: string): void => {
    setActionError(err);
    reload();
  };
  return (
    <section aria-labelledby="accounts-title">
      <div className="page-head">
        <h1 id="accounts-title">Accounts</h1>
      </div>
      <AddAccount onAdded={reload} />
      <Alert message={error ?? actionError} />
      <div className="panel table-wrap">
        <table>
          <caption className="sr-only">Pool accounts</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">State</th>
              <th scope="col">Usage</th>
              <th scope="col">Tokens</th>
              <th scope="col">Alias and routing</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data?.accounts.map((account) => <AccountRow key={`${account.id}:${account.alias ?? ''}`} account={account} now={now} changed={changed} />)}
          </tbody>
        </table>
        {data?.accounts.length === 0 && <p className="muted">No accounts yet.</p>}
      </div>
    </section>
  );
}
