/**
 * Reads and writes `accounts`. Tokens are encrypted on the way in and decrypted only in `readCredentials`, which
 * the token refresher uses; everything else sees `AccountSnapshot`, which carries no token material.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AccountEntity, type AccountRow, type AccountStatus, type RoutingPolicy } from '../store/entities/account.ts';
import type { UsageSnapshot } from '../usage/usage-snapshot.ts';
import { longWindow } from '../usage/usage-snapshot.ts';
import type { OAuthTokens } from './auth-json.ts';
import type { AccountIdentity } from './identity.ts';
import type { IdentityClaims } from './jwt-claims.ts';
import { applyEvent, isRoutable, type AccountEvent, type StatusState } from './status.ts';
import type { TokenCipher } from './token-cipher.ts';
import { PlainSelect } from '../store/plain-select.ts';
import { forUpdate, withDurableTransaction, withTransaction } from '../store/transaction.ts';

/** What an import does to an account already stored (see upsertImported). */
export type OnExisting = 'replace' | 'keepNewer' | 'keep';
export interface ImportPolicy {
  readonly onExisting: OnExisting;
  readonly createMissing: boolean;
}
export const DEFAULT_IMPORT_POLICY: ImportPolicy = { onExisting: 'replace', createMissing: true };
export type ImportOutcome = 'created' | 'replaced' | 'kept';

type TokenColumn = 'accessTokenEncrypted' | 'refreshTokenEncrypted' | 'idTokenEncrypted';
export type AccountSnapshot = Readonly<Omit<AccountRow, TokenColumn>>;
const snapshots = new PlainSelect<AccountRow, TokenColumn>(AccountEntity, {
  omit: ['accessTokenEncrypted', 'refreshTokenEncrypted', 'idTokenEncrypted'],
  orderBy: ['createdAt', 'id'],
});

/** Decrypted tokens of one account, for the refresher only. */
export interface StoredCredentials {
  readonly accountId: string;
  readonly status: AccountStatus;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly idToken: string;
  readonly lastRefreshAt: Date | null;
  /** Compare-and-set version for storeRefreshedTokens (the stored refresh-token ciphertext). */
  readonly version: string;
}

export class AccountNotFoundError extends Error {
  override readonly name = 'AccountNotFoundError';
  readonly code = 'account_not_found';

  constructor(id: string) {
    super(`account ${JSON.stringify(id)} not found`);
  }
}

export interface AccountRepositoryOptions {
  readonly dataSource: DataSource;
  readonly cipher: TokenCipher;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export class AccountRepository {
  readonly #dataSource: DataSource;
  readonly #cipher: TokenCipher;
  readonly #now: () => Date;

  constructor(options: AccountRepositoryOptions) {
    this.#dataSource = options.dataSource;
    this.#cipher = options.cipher;
    this.#now = options.now ?? (() => new Date());
  }

  /** Every account, oldest first; read without the token columns (routing re-reads this list every second). */
  list(): Promise<AccountSnapshot[]> {
    return snapshots.rows(this.#dataSource.manager);
  }

  /** Accounts requests may be routed to now (active, or blocked until a time that has passed). */
  async listEligible(): Promise<AccountSnapshot[]> {
    const now = this.#now();
    return (await this.list()).filter((account) => isRoutable(account, now));
  }

  async get(id: string): Promise<AccountSnapshot | null> {
    const row = await this.#dataSource.getRepository(AccountEntity).findOneBy({ id });
    return row === null ? null : snapshot(row);
  }

  async readCredentials(id: string): Promise<StoredCredentials> {
    const row = await this.#dataSource.getRepository(AccountEntity).findOneBy({ id });
    if (row === null) throw new AccountNotFoundError(id);
    return {
      accountId: row.id,
      status: row.status,
      accessToken: this.#cipher.decrypt(row.accessTokenEncrypted),
      refreshToken: this.#cipher.decrypt(row.refreshTokenEncrypted),
      idToken: this.#cipher.decrypt(row.idTokenEncrypted),
      lastRefreshAt: row.lastRefreshAt,
      version: row.refreshTokenEncrypted,
    };
  }

  /**
   * Inserts a new account or, for an identity already stored, replaces its tokens and identity labels and lifts
   * auth/usage blocks (`reimported`); alias, routing policy, installation id and a pause survive.
   *
   * `policy` lets a caller that only holds an import seed (the operator's Secret) avoid overwriting tokens the
   * proxy rotated since: `keepNewer` keeps the stored tokens when they were refreshed at or after the seed's
   * `last_refresh`, `keep` never touches a stored account, and `createMissing: false` only resolves the identity.
   * Null when the account is missing and may not be created.
   */
  async upsertImported(
    identity: AccountIdentity,
    tokens: OAuthTokens,
    lastRefreshAt: Date | null,
    policy: ImportPolicy = DEFAULT_IMPORT_POLICY,
  ): Promise<{ account: AccountSnapshot; outcome: ImportOutcome } | null> {
    const now = this.#now();
    return withTransaction(this.#dataSource, async (manager) => {
      const repository = manager.getRepository(AccountEntity);
      const existing = await repository.findOne({ where: { id: identity.id }, ...forUpdate(this.#dataSource) });
      const fields = {
        ...identityFields(identity),
        ...this.#encrypted(tokens),
        lastRefreshAt: lastRefreshAt ?? now,
        updatedAt: now,
      };
      if (existing !== null) {
        if (keepsStored(policy.onExisting, existing.lastRefreshAt, lastRefreshAt)) return { account: snapshot(existing), outcome: 'kept' };
        const row = { ...existing, ...fields, ...applyEvent(statusState(existing), { type: 'reimported' }, now) };
        await repository.save(row);
        return { account: snapshot(row), outcome: 'replaced' };
      }
      if (!policy.createMissing) return null;
      const row: AccountRow = {
        ...fields,
        id: identity.id,
        codexInstallationId: randomUUID(),
        alias: null,
        routingPolicy: 'normal',
        managedBy: null,
        status: 'active',
        statusReason: null,
        resetAt: null,
        blockedAt: null,
        lastErrorCode: null,
        lastErrorAt: null,
        primaryUsedPercent: null,
        primaryWindowMinutes: null,
        primaryResetAt: null,
        secondaryUsedPercent: null,
        secondaryWindowMinutes: null,
        secondaryResetAt: null,
        creditsHasCredits: null,
        creditsUnlimited: null,
        creditsBalance: null,
        usageUpdatedAt: null,
        createdAt: now,
      };
      await repository.insert(row);
      return { account: snapshot(row), outcome: 'created' };
    });
  }

  /**
   * Stores tokens from a successful refresh, only if the refresh token is still the one that was spent
   * (`version` from readCredentials). False means someone else replaced the tokens meanwhile (an import): their
   * tokens win and these are dropped.
   */
  async storeRefreshedTokens(id: string, version: string, tokens: OAuthTokens, claims: IdentityClaims): Promise<boolean> {
    const now = this.#now();
    // Labels re-derived from the new id_token (§5.1); one it omits keeps its stored value.
    const labels = withoutNulls({
      chatgptAccountId: claims.chatgptAccountId,
      chatgptUserId: claims.chatgptUserId,
      email: claims.email,
      planType: claims.planType,
      workspaceId: claims.workspaceId,
      workspaceLabel: claims.workspaceLabel,
      seatType: claims.seatType,
    });
    const encrypted = this.#encrypted(tokens);
    // Durable before the new access token is used: after a power loss the stored refresh token must be the new one.
    const result = await withDurableTransaction(this.#dataSource, (manager) =>
      manager
        .createQueryBuilder()
        .update(AccountEntity)
        .set({ ...labels, ...encrypted, lastRefreshAt: now, updatedAt: now })
        .where('id = :id AND refresh_token_encrypted = :version', { id, version })
        .execute(),
    );
    return result.affected === 1;
  }

  /** Applies a status event (status.ts) and returns the updated account. */
  async applyEvent(id: string, event: AccountEvent, manager?: EntityManager): Promise<AccountSnapshot> {
    return this.#modify(id, manager, (row, now) => applyEvent(statusState(row), event, now));
  }

  /**
   * Stores the latest usage windows on the account and applies the statuses they imply; non-null `labels`
   * (from `/wham/usage`) replace the stored identity labels.
   */
  async recordUsage(
    id: string,
    usage: UsageSnapshot,
    manager?: EntityManager,
    labels: { readonly [K in 'planType' | 'workspaceId' | 'workspaceLabel' | 'seatType']?: string | null } = {},
  ): Promise<AccountSnapshot> {
    return this.#modify(id, manager, (row, now) => {
      const long = longWindow(usage);
      return {
        ...withoutNulls(labels),
        ...applyEvent(statusState(row), { type: 'usage_observed', usage }, now),
        ...(usage.primary === null
          ? {}
          : {
              primaryUsedPercent: usage.primary.usedPercent,
              primaryWindowMinutes: usage.primary.windowMinutes,
              primaryResetAt: usage.primary.resetAt,
            }),
        ...(long === null
          ? {}
          : {
              secondaryUsedPercent: long.usedPercent,
              secondaryWindowMinutes: long.windowMinutes,
              secondaryResetAt: long.resetAt,
            }),
        ...(usage.credits === null
          ? {}
          : {
              creditsHasCredits: usage.credits.hasCredits,
              creditsUnlimited: usage.credits.unlimited,
              creditsBalance: usage.credits.balance,
            }),
        usageUpdatedAt: now,
      };
    });
  }

  async update(id: string, patch: { alias?: string | null; routingPolicy?: RoutingPolicy; managedBy?: string | null }): Promise<AccountSnapshot> {
    return this.#modify(id, undefined, () => patch);
  }

  /** True when a row was deleted. Usage history and claims go with it; request logs keep a null account. */
  async delete(id: string): Promise<boolean> {
    const result = await this.#dataSource.getRepository(AccountEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }

  async #modify(
    id: string,
    manager: EntityManager | undefined,
    change: (row: AccountRow, now: Date) => Partial<AccountRow>,
  ): Promise<AccountSnapshot> {
    const run = async (m: EntityManager): Promise<AccountSnapshot | null> => {
      const repository = m.getRepository(AccountEntity);
      const row = await repository.findOne({ where: { id }, ...forUpdate(this.#dataSource) });
      if (row === null) return null;
      const now = this.#now();
      const updated = { ...row, ...change(row, now), updatedAt: now };
      await repository.save(updated);
      return snapshot(updated);
    };
    const result = await (manager === undefined ? withTransaction(this.#dataSource, run) : run(manager));
    if (result === null) throw new AccountNotFoundError(id);
    return result;
  }

  #encrypted(tokens: OAuthTokens): Pick<AccountRow, 'accessTokenEncrypted' | 'refreshTokenEncrypted' | 'idTokenEncrypted'> {
    return {
      accessTokenEncrypted: this.#cipher.encrypt(tokens.accessToken),
      refreshTokenEncrypted: this.#cipher.encrypt(tokens.refreshToken),
      idTokenEncrypted: this.#cipher.encrypt(tokens.idToken),
    };
  }
}

/** A seed without `last_refresh` is older than anything stored. */
function keepsStored(onExisting: OnExisting, stored: Date | null, seed: Date | null): boolean {
  if (onExisting === 'replace') return false;
  if (onExisting === 'keep') return true;
  return stored !== null && (seed === null || stored.getTime() >= seed.getTime());
}

function identityFields(identity: AccountIdentity): Pick<AccountRow, Exclude<keyof AccountIdentity, 'id'>> {
  return {
    chatgptAccountId: identity.chatgptAccountId,
    chatgptUserId: identity.chatgptUserId,
    email: identity.email,
    planType: identity.planType,
    workspaceId: identity.workspaceId,
    workspaceLabel: identity.workspaceLabel,
    seatType: identity.seatType,
  };
}

function withoutNulls<T extends object>(values: T): Partial<{ [K in keyof T]: NonNullable<T[K]> }> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined)) as Partial<{
    [K in keyof T]: NonNullable<T[K]>;
  }>;
}

function statusState(row: AccountRow): StatusState {
  return {
    status: row.status,
    statusReason: row.statusReason,
    resetAt: row.resetAt,
    blockedAt: row.blockedAt,
    lastErrorCode: row.lastErrorCode,
    lastErrorAt: row.lastErrorAt,
  };
}

function snapshot(row: AccountRow): AccountSnapshot {
  const { accessTokenEncrypted: _a, refreshTokenEncrypted: _r, idTokenEncrypted: _i, ...rest } = row;
  return rest;
}
