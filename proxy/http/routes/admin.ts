/**
 * The operator's admin API (OPERATOR-CONTRACT.md "Admin API"): `/internal/admin/*`, bearer token
 * from `CODEX_LB_ADMIN_TOKEN_FILE`, dashboard error envelope `{"error":{"code","message"}}`. When
 * the token file is not configured every admin path answers 404: the API does not exist. Answers
 * never contain tokens or key hashes — only a new key's plaintext, once, on creation.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import { sendJson } from '../send-error.ts';

export interface AdminAccount {
  id: string;
  chatgptAccountId: string | null;
  email: string;
  planType: string;
  status: string;
  alias: string | null;
  routingPolicy: string;
  usage: { primary: unknown; secondary: unknown };
  lastRefreshAt: string | null;
}

export interface AdminApiKey {
  id: string;
  name: string;
  prefix: string;
  allowedModels: string[] | null;
  limits: unknown[];
  expiresAt: string | null;
  active: boolean;
  createdAt: string;
}

export interface AdminSummary {
  accounts: { total: number; active: number; rateLimited: number; quotaExceeded: number; paused: number; reauthRequired: number; deactivated: number };
  apiKeys: { total: number };
  schema: { revision: string | null; atHead: boolean };
}

/** A request the data layer refused (bad auth.json, unknown field value…): 400, or the given status. */
export class AdminInputError extends Error {
  override readonly name = 'AdminInputError';
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export interface AdminApi {
  /** The expected bearer token. */
  readonly token: string;
  importAccount(authJson: unknown): Promise<AdminAccount>;
  listAccounts(): Promise<AdminAccount[]>;
  updateAccount(id: string, patch: { alias?: unknown; routingPolicy?: unknown; paused?: unknown }): Promise<AdminAccount | undefined>;
  deleteAccount(id: string): Promise<boolean>;
  createApiKey(input: { name?: unknown; allowedModels?: unknown; limits?: unknown; expiresAt?: unknown }): Promise<{ apiKey: AdminApiKey; key: string }>;
  listApiKeys(): Promise<AdminApiKey[]>;
  updateApiKey(id: string, patch: Record<string, unknown>): Promise<AdminApiKey | undefined>;
  deleteApiKey(id: string): Promise<boolean>;
  summary(): Promise<AdminSummary>;
}

function adminError(res: Response, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant-time comparison (of digests, so lengths never leak either). */
function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function bodyObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminInputError('bad_request', 'Request body must be a JSON object');
  return body as Record<string, unknown>;
}

export function adminRoutes(admin: AdminApi | undefined): Router {
  const router = Router();
  router.use('/internal/admin', (req: Request, res: Response, next: NextFunction) => {
    if (!admin) return adminError(res, 404, 'not_found', 'Not found');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1] || !tokenMatches(match[1], admin.token)) return adminError(res, 401, 'authentication_required', 'Missing or invalid admin token');
    next();
  });
  if (!admin) return router;

  const notFound = (res: Response, what: string): void => adminError(res, 404, 'not_found', `${what} not found`);
  router.post('/internal/admin/accounts/import', async (req, res) => {
    const { authJson } = bodyObject(req);
    if (authJson === undefined) throw new AdminInputError('invalid_auth_json', 'authJson is required');
    sendJson(res, 201, { account: await admin.importAccount(authJson) });
  });
  router.get('/internal/admin/accounts', async (_req, res) => {
    sendJson(res, 200, { accounts: await admin.listAccounts() });
  });
  router.patch('/internal/admin/accounts/:id', async (req, res) => {
    const { alias, routingPolicy, paused } = bodyObject(req);
    const account = await admin.updateAccount(String(req.params.id), { alias, routingPolicy, paused });
    if (account) sendJson(res, 200, { account });
    else notFound(res, 'Account');
  });
  router.delete('/internal/admin/accounts/:id', async (req, res) => {
    if (await admin.deleteAccount(String(req.params.id))) res.status(204).end();
    else notFound(res, 'Account');
  });
  router.post('/internal/admin/api-keys', async (req, res) => {
    const { name, allowedModels, limits, expiresAt } = bodyObject(req);
    sendJson(res, 201, await admin.createApiKey({ name, allowedModels, limits, expiresAt }));
  });
  router.get('/internal/admin/api-keys', async (_req, res) => {
    sendJson(res, 200, { apiKeys: await admin.listApiKeys() });
  });
  router.patch('/internal/admin/api-keys/:id', async (req, res) => {
    const apiKey = await admin.updateApiKey(String(req.params.id), bodyObject(req));
    if (apiKey) sendJson(res, 200, { apiKey });
    else notFound(res, 'API key');
  });
  router.delete('/internal/admin/api-keys/:id', async (req, res) => {
    if (await admin.deleteApiKey(String(req.params.id))) res.status(204).end();
    else notFound(res, 'API key');
  });
  router.get('/internal/admin/summary', async (_req, res) => {
    sendJson(res, 200, await admin.summary());
  });
  router.use('/internal/admin', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof AdminInputError) return adminError(res, err.status, err.code, err.message);
    next(err);
  });
  return router;
}
