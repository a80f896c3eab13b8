/**
 * The operator's admin API (OPERATOR-CONTRACT.md "Admin API"): `/internal/admin/*`, bearer token
 * from `CODEX_LB_ADMIN_TOKEN_FILE`, dashboard error envelope `{"error":{"code","message"}}`. When
 * the token file is not configured or absent every admin path answers 404: the API does not exist.
 * The file is read per admin call, so a rotated Secret takes effect without a restart. Bodies are
 * validated by the data layer's admin operations (AdminError → status + envelope); answers never
 * contain tokens or key hashes — only a new key's plaintext, once, on creation.
 */
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccountAdmin } from '../../accounts/admin.ts';
import type { ApiKeyAdmin } from '../../apikeys/admin.ts';
import { AdminError } from '../../store/admin-error.ts';
import { VERSION } from '../../version.ts';
import { sendJson } from '../send-error.ts';

export interface AdminApi {
  /** The expected bearer token (contents of the token file); undefined turns the API off. */
  token(): Promise<string | undefined>;
  readonly accounts: Pick<AccountAdmin, 'importAuthJson' | 'list' | 'update' | 'delete' | 'counts'>;
  readonly apiKeys: Pick<ApiKeyAdmin, 'create' | 'list' | 'update' | 'delete' | 'count'>;
  schema(): Promise<{ revision: string | null; atHead: boolean }>;
  /** Called after an import (e.g. to poll the account's usage right away). */
  imported?(accountId: string): void;
}

function adminError(res: Response, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant-time comparison of digests, so neither content nor length leaks through timing. */
function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function bodyObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw AdminError.validation('Request body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * `readBody` parses JSON bodies; it runs only after the token matched, so an unauthenticated upload
 * is answered (and its connection closed) without reading a byte of it.
 */
export function adminRoutes(admin: AdminApi | undefined, readBody: RequestHandler): Router {
  const router = Router();
  router.use('/internal/admin', async (req: Request, res: Response, next: NextFunction) => {
    const expected = await admin?.token();
    let refusal: [number, string, string] | undefined;
    if (expected === undefined) refusal = [404, 'admin_api_disabled', 'Not found'];
    else {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!match?.[1] || !tokenMatches(match[1], expected)) refusal = [401, 'authentication_required', 'Missing or invalid admin token'];
    }
    if (refusal === undefined) return next();
    res.setHeader('connection', 'close');
    adminError(res, ...refusal);
  });
  router.use('/internal/admin', readBody);
  if (!admin) return router;

  router.post('/internal/admin/accounts/import', async (req, res) => {
    const { authJson, ...options } = bodyObject(req);
    if (authJson === undefined) throw new AdminError(400, 'invalid_auth_json', 'authJson is required');
    const { account, outcome } = await admin.accounts.importAuthJson(authJson, options);
    if (outcome !== 'kept') admin.imported?.(account.id);
    sendJson(res, outcome === 'created' ? 201 : 200, { account, outcome });
  });
  router.get('/internal/admin/accounts', async (_req, res) => {
    sendJson(res, 200, { accounts: await admin.accounts.list() });
  });
  router.patch('/internal/admin/accounts/:id', async (req, res) => {
    sendJson(res, 200, { account: await admin.accounts.update(String(req.params.id), bodyObject(req)) });
  });
  router.delete('/internal/admin/accounts/:id', async (req, res) => {
    await admin.accounts.delete(String(req.params.id));
    res.status(204).end();
  });
  router.post('/internal/admin/api-keys', async (req, res) => {
    sendJson(res, 201, await admin.apiKeys.create(bodyObject(req)));
  });
  router.get('/internal/admin/api-keys', async (_req, res) => {
    sendJson(res, 200, { apiKeys: await admin.apiKeys.list() });
  });
  router.patch('/internal/admin/api-keys/:id', async (req, res) => {
    sendJson(res, 200, { apiKey: await admin.apiKeys.update(String(req.params.id), bodyObject(req)) });
  });
  router.delete('/internal/admin/api-keys/:id', async (req, res) => {
    await admin.apiKeys.delete(String(req.params.id));
    res.status(204).end();
  });
  // Everything the operator's status refresh needs, in one call per installation and period.
  router.get('/internal/admin/state', async (_req, res) => {
    const [accounts, apiKeys] = await Promise.all([admin.accounts.list(), admin.apiKeys.list()]);
    sendJson(res, 200, { version: VERSION, accounts, apiKeys });
  });
  router.get('/internal/admin/summary', async (_req, res) => {
    const [counts, apiKeys, schema] = await Promise.all([admin.accounts.counts(), admin.apiKeys.count(), admin.schema()]);
    sendJson(res, 200, {
      accounts: {
        total: counts.total,
        active: counts.active,
        rateLimited: counts.rate_limited,
        quotaExceeded: counts.quota_exceeded,
        paused: counts.paused,
        reauthRequired: counts.reauth_required,
        deactivated: counts.deactivated,
      },
      apiKeys: { total: apiKeys },
      schema,
    });
  });
  router.use('/internal/admin', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof AdminError) return adminError(res, err.status, err.code, err.message);
    next(err);
  });
  return router;
}
