/**
 * `/api/accounts*` (reference/proxy-contract.md §1.4): the pool as the dashboard shows it, auth.json import, pause
 * and resume, alias, routing policy, removal. An account a ChatGPTAccount manages (`managedBy`) keeps the fields
 * that resource declares — alias, routing policy, pause — and its membership: changing them here would be undone by
 * the operator, so they are refused with 409 `managed_by_resource`. `DELETE /{id}/managed-by` lets go of a marker a
 * deleted resource left behind (the operator sets it again while the resource exists).
 */
import { Router } from 'express';
import type { AccountSnapshot } from '../../accounts/account-repository.ts';
import { AdminError } from '../../store/admin-error.ts';
import { dashboardErrors } from '../errors.ts';
import type { DashboardServices } from '../services.ts';
import { dashboardAccount } from '../views.ts';
import { bodyObject, param } from './body.ts';

export function accountsRoutes(services: DashboardServices): Router {
  const router = Router();
  const now = services.now ?? (() => new Date());
  const view = (account: AccountSnapshot) => dashboardAccount(account, now());

  async function unmanaged(id: string, what: string): Promise<AccountSnapshot> {
    const account = await services.accounts.get(id);
    if (account === null) throw AdminError.notFound('account', id);
    if (account.managedBy !== null) throw dashboardErrors.managedAccount(account.managedBy, what);
    return account;
  }

  async function updated(id: string, patch: Record<string, unknown>) {
    await services.accountAdmin.update(id, patch);
    const account = await services.accounts.get(id);
    if (account === null) throw AdminError.notFound('account', id);
    return { account: view(account) };
  }

  router.get('/api/accounts', async (_req, res) => {
    res.json({ accounts: (await services.accounts.list()).map(view) });
  });

  router.post('/api/accounts/import', async (req, res) => {
    const { authJson } = bodyObject(req);
    if (authJson === undefined) throw new AdminError(400, 'invalid_auth_json', 'authJson is required (the contents of ~/.codex/auth.json)');
    const { account, outcome } = await services.accountAdmin.importAuthJson(authJson);
    if (outcome !== 'kept') services.imported?.(account.id);
    const stored = await services.accounts.get(account.id);
    res.status(outcome === 'created' ? 201 : 200).json({ account: stored === null ? account : view(stored), outcome });
  });

  router.post('/api/accounts/:id/pause', async (req, res) => {
    const id = param(req, 'id');
    await unmanaged(id, 'Pausing');
    res.json(await updated(id, { paused: true }));
  });

  router.post('/api/accounts/:id/reactivate', async (req, res) => {
    const id = param(req, 'id');
    await unmanaged(id, 'Pausing');
    res.json(await updated(id, { paused: false }));
  });

  router.put('/api/accounts/:id/alias', async (req, res) => {
    const id = param(req, 'id');
    await unmanaged(id, 'The alias');
    const { alias } = bodyObject(req);
    if (alias !== null && typeof alias !== 'string') throw AdminError.validation('alias must be a string or null');
    res.json(await updated(id, { alias: alias === null || alias.trim() === '' ? null : alias.trim() }));
  });

  router.put('/api/accounts/:id/routing-policy', async (req, res) => {
    const id = param(req, 'id');
    await unmanaged(id, 'The routing policy');
    const { routingPolicy } = bodyObject(req);
    if (routingPolicy === undefined) throw AdminError.validation('routingPolicy is required');
    res.json(await updated(id, { routingPolicy }));
  });

  router.delete('/api/accounts/:id/managed-by', async (req, res) => {
    res.json(await updated(param(req, 'id'), { managedBy: null }));
  });

  router.delete('/api/accounts/:id', async (req, res) => {
    const id = param(req, 'id');
    await unmanaged(id, 'Membership in the pool');
    await services.accountAdmin.delete(id);
    res.status(204).end();
  });
  return router;
}
