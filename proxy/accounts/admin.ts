/**
 * Account operations behind `/internal/admin/accounts*` and the `accounts import` CLI (OPERATOR-CONTRACT.md).
 * Every answer is the redacted AccountView; failures are AdminError (400 invalid_auth_json, 404 not_found,
 * 422 validation_error) whose messages never contain token material.
 */
import { Ajv } from 'ajv';
import { AdminError } from '../store/admin-error.ts';
import { ACCOUNT_STATUSES, ROUTING_POLICIES, type AccountStatus, type RoutingPolicy } from '../store/entities/account.ts';
import { DEFAULT_IMPORT_POLICY, type AccountRepository, type ImportOutcome, type ImportPolicy } from './account-repository.ts';
import { accountView, type AccountView } from './account-view.ts';
import { InvalidAuthJsonError, parseAuthJson } from './auth-json.ts';
import { accountIdentity } from './identity.ts';
import { effectiveStatus } from './status.ts';

interface UpdateInput {
  alias?: string | null;
  routingPolicy?: RoutingPolicy;
  paused?: boolean;
  managedBy?: string | null;
}

/** `ChatGPTAccount <namespace>/<name>`: who manages an account (the operator sets it; null releases it). */
const managedBy = { type: ['string', 'null'], minLength: 1, maxLength: 256 };

const validateUpdate = new Ajv({ allErrors: true, strict: true }).compile<UpdateInput>({
  type: 'object',
  additionalProperties: false,
  properties: {
    alias: { type: ['string', 'null'], maxLength: 128 },
    routingPolicy: { type: 'string', enum: [...ROUTING_POLICIES] },
    paused: { type: 'boolean' },
    managedBy,
  },
});

type ImportOptions = Partial<ImportPolicy> & { managedBy?: string | null };

const validateImportOptions = new Ajv({ allErrors: true, strict: true }).compile<ImportOptions>({
  type: 'object',
  additionalProperties: false,
  properties: {
    onExisting: { type: 'string', enum: ['replace', 'keepNewer', 'keep'] },
    createMissing: { type: 'boolean' },
    managedBy,
  },
});

export type AccountCounts = Readonly<Record<AccountStatus, number>> & { readonly total: number };

export interface AccountAdminOptions {
  readonly accounts: AccountRepository;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export class AccountAdmin {
  readonly #accounts: AccountRepository;
  readonly #now: () => Date;

  constructor(options: AccountAdminOptions) {
    this.#accounts = options.accounts;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Imports a Codex CLI auth.json (object or text). Upserts by identity: the same ChatGPT account/seat replaces its
   * tokens, unless `options` says otherwise (AccountRepository.upsertImported). Nothing is stored when the document
   * is invalid; a missing account that may not be created is 404 `not_found`.
   */
  async importAuthJson(authJson: unknown, options: unknown = {}): Promise<{ account: AccountView; outcome: ImportOutcome }> {
    if (!validateImportOptions(options)) {
      const problems = (validateImportOptions.errors ?? []).map((e) => `${e.instancePath || 'body'} ${e.message ?? 'is invalid'}`);
      throw AdminError.validation(problems.join('; '));
    }
    let parsed;
    try {
      parsed = parseAuthJson(authJson);
    } catch (err) {
      if (err instanceof InvalidAuthJsonError) throw new AdminError(400, err.code, err.message);
      throw err;
    }
    const identity = accountIdentity(parsed.claims, parsed.accountId);
    const { managedBy: manager, ...policyOptions } = options;
    const policy = { ...DEFAULT_IMPORT_POLICY, ...policyOptions };
    const result = await this.#accounts.upsertImported(identity, parsed.tokens, parsed.lastRefreshAt, policy);
    if (result === null) throw AdminError.notFound('account', identity.id);
    let account = result.account;
    if (manager !== undefined && manager !== account.managedBy) account = await this.#accounts.update(account.id, { managedBy: manager });
    return { account: accountView(account, this.#now()), outcome: result.outcome };
  }

  async list(): Promise<AccountView[]> {
    const now = this.#now();
    return (await this.#accounts.list()).map((account) => accountView(account, now));
  }

  /** `paused: true` pauses; `paused: false` resumes a paused account only (it never clears auth failures). */
  async update(id: string, body: unknown): Promise<AccountView> {
    if (!validateUpdate(body)) {
      const problems = (validateUpdate.errors ?? []).map((e) => `${e.instancePath || 'body'} ${e.message ?? 'is invalid'}`);
      throw AdminError.validation(problems.join('; '));
    }
    await this.#require(id);
    const { paused, ...fields } = body;
    if (Object.keys(fields).length > 0) await this.#accounts.update(id, fields);
    if (paused !== undefined) await this.#accounts.applyEvent(id, { type: paused ? 'paused' : 'resumed' });
    return accountView(await this.#require(id), this.#now());
  }

  async delete(id: string): Promise<void> {
    if (!(await this.#accounts.delete(id))) throw AdminError.notFound('account', id);
  }

  /** Accounts per (effective) status, for `/internal/admin/summary`. */
  async counts(): Promise<AccountCounts> {
    const now = this.#now();
    const counts = Object.fromEntries(ACCOUNT_STATUSES.map((status) => [status, 0])) as Record<AccountStatus, number>;
    const accounts = await this.#accounts.list();
    for (const account of accounts) counts[effectiveStatus(account, now)] += 1;
    return { ...counts, total: accounts.length };
  }

  async #require(id: string) {
    const account = await this.#accounts.get(id);
    if (account === null) throw AdminError.notFound('account', id);
    return account;
  }
}
