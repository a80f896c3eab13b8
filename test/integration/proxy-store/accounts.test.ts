/** Accounts on both dialects: auth.json import (encrypted at rest), admin operations, statuses, key fingerprint. */
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountRepository } from '../../../proxy/accounts/account-repository.ts';
import { AccountAdmin } from '../../../proxy/accounts/admin.ts';
import { checkKeyFingerprint, EncryptionKeyMismatchError } from '../../../proxy/accounts/key-fingerprint.ts';
import { generateFernetKey } from '../../../proxy/accounts/fernet.ts';
import { fakeAuthJson, fakeIdToken, secretTokens } from '../../../proxy/accounts/testing.ts';
import { createTokenCipher, type TokenCipher } from '../../../proxy/accounts/token-cipher.ts';
import { AdminError } from '../../../proxy/store/admin-error.ts';
import { AccountEntity } from '../../../proxy/store/entities/account.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();

describe.each(DIALECTS)('accounts on %s', (dialect) => {
  let dataSource: DataSource;
  let cipher: TokenCipher;
  let accounts: AccountRepository;
  let admin: AccountAdmin;

  beforeEach(async () => {
    dataSource = await dbs.migrated(dialect);
    cipher = createTokenCipher(generateFernetKey());
    accounts = new AccountRepository({ dataSource, cipher });
    admin = new AccountAdmin({ accounts });
  });
  afterEach(() => dataSource.destroy());

  it('imports an auth.json into the redacted Account shape', async () => {
    const document = fakeAuthJson({ email: 'dev@example.test', chatgptAccountId: 'acct-1', planType: 'pro' });
    const { account, outcome } = await admin.importAuthJson(document);
    expect(outcome).toBe('created');
    expect(account).toEqual({
      id: expect.stringMatching(/^acct-1_[0-9a-f]{8}$/),
      chatgptAccountId: 'acct-1',
      email: 'dev@example.test',
      planType: 'pro',
      status: 'active',
      statusReason: null,
      blockedUntil: null,
      alias: null,
      routingPolicy: 'normal',
      managedBy: null,
      usage: { primary: null, secondary: null },
      lastRefreshAt: '2026-05-01T10:00:00.000Z',
    });
    expect(await admin.list()).toEqual([account]);
  });

  it('stores tokens only as Fernet ciphertexts and decrypts them for the refresher', async () => {
    const document = fakeAuthJson();
    const tokens = document.tokens as Record<string, string>;
    const { account } = await admin.importAuthJson(document);
    const raw = JSON.stringify(await dataSource.query('SELECT * FROM accounts'));
    for (const value of [tokens.access_token, tokens.refresh_token, tokens.id_token]) expect(raw).not.toContain(value);
    const stored = await accounts.readCredentials(account.id);
    expect(stored).toMatchObject({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token, idToken: tokens.id_token });
  });

  it('upserts a re-import of the same identity, replacing tokens and keeping admin choices', async () => {
    const { account } = await admin.importAuthJson(fakeAuthJson({ chatgptAccountId: 'acct-1' }));
    await admin.update(account.id, { alias: 'primary', routingPolicy: 'preserve' });
    await accounts.applyEvent(account.id, { type: 'auth_failed', code: 'refresh_token_reused' });
    const again = fakeAuthJson({ chatgptAccountId: 'acct-1' });
    const result = await admin.importAuthJson(again);
    expect(result.outcome).toBe('replaced');
    expect(result.account).toMatchObject({ id: account.id, alias: 'primary', routingPolicy: 'preserve', status: 'active' });
    expect((await accounts.readCredentials(account.id)).refreshToken).toBe((again.tokens as Record<string, string>).refresh_token);
    expect(await admin.list()).toHaveLength(1);
  });

  it('keeps tokens the proxy refreshed after a seed was written (keepNewer), and replaces older ones', async () => {
    const seed = fakeAuthJson({ chatgptAccountId: 'acct-1' }, '2026-05-01T10:00:00Z');
    const { account } = await admin.importAuthJson(seed);
    const stale = fakeAuthJson({ chatgptAccountId: 'acct-1' }, '2026-04-01T10:00:00Z');
    const kept = await admin.importAuthJson(stale, { onExisting: 'keepNewer' });
    expect(kept).toMatchObject({ outcome: 'kept', account: { id: account.id } });
    expect((await accounts.readCredentials(account.id)).refreshToken).toBe((seed.tokens as Record<string, string>).refresh_token);
    const newer = fakeAuthJson({ chatgptAccountId: 'acct-1' }, '2026-06-01T10:00:00Z');
    expect((await admin.importAuthJson(newer, { onExisting: 'keepNewer' })).outcome).toBe('replaced');
    expect((await accounts.readCredentials(account.id)).refreshToken).toBe((newer.tokens as Record<string, string>).refresh_token);
  });

  it('resolves an identity without importing (keep, createMissing: false): 404 when the account is absent', async () => {
    const seed = fakeAuthJson({ chatgptAccountId: 'acct-1' });
    await expect(admin.importAuthJson(seed, { onExisting: 'keep', createMissing: false })).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(await admin.list()).toEqual([]);
    const { account } = await admin.importAuthJson(seed);
    await accounts.applyEvent(account.id, { type: 'rate_limited', resetAt: new Date(Date.now() + 600_000) });
    const other = fakeAuthJson({ chatgptAccountId: 'acct-1' }, '2027-01-01T00:00:00Z');
    const resolved = await admin.importAuthJson(other, { onExisting: 'keep', createMissing: false });
    expect(resolved).toMatchObject({ outcome: 'kept', account: { id: account.id, status: 'rate_limited', blockedUntil: expect.any(String) } });
    expect((await accounts.readCredentials(account.id)).refreshToken).toBe((seed.tokens as Record<string, string>).refresh_token);
    await expect(admin.importAuthJson(seed, { onExisting: 'sometimes' })).rejects.toMatchObject({ status: 422 });
  });

  it('keeps separate rows for two seats of one workspace', async () => {
    await admin.importAuthJson(fakeAuthJson({ chatgptAccountId: 'acct-1', email: 'a@example.test' }));
    await admin.importAuthJson(fakeAuthJson({ chatgptAccountId: 'acct-1', email: 'b@example.test' }));
    expect((await admin.list()).map((a) => a.email).sort()).toEqual(['a@example.test', 'b@example.test']);
  });

  it('stores nothing for a malformed auth.json and says why without echoing secrets', async () => {
    const document = fakeAuthJson();
    const tokens = document.tokens as Record<string, string>;
    const broken = { ...document, tokens: { ...tokens, id_token: 'fake-not-a-jwt-secret' } };
    const error = await admin.importAuthJson(broken).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AdminError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_auth_json' });
    const message = (error as Error).message;
    expect(message).toBe('invalid auth.json: "tokens.id_token": not a JWT (expected three dot-separated parts)');
    for (const value of [...secretTokens(document), 'fake-not-a-jwt-secret']) expect(message).not.toContain(value);
    expect(await dataSource.getRepository(AccountEntity).count()).toBe(0);
  });

  it('pauses and resumes, and validates patches', async () => {
    const { account } = await admin.importAuthJson(fakeAuthJson());
    expect((await admin.update(account.id, { paused: true })).status).toBe('paused');
    expect(await accounts.listEligible()).toEqual([]);
    expect((await admin.update(account.id, { paused: false })).status).toBe('active');
    await expect(admin.update(account.id, { routingPolicy: 'yolo' })).rejects.toMatchObject({ status: 422, code: 'validation_error' });
    await expect(admin.update(account.id, { tokens: 'x' })).rejects.toMatchObject({ status: 422 });
    await expect(admin.update('missing', { alias: 'x' })).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('never lets un-pausing clear an auth failure', async () => {
    const { account } = await admin.importAuthJson(fakeAuthJson());
    await accounts.applyEvent(account.id, { type: 'auth_failed', code: 'invalid_grant' });
    expect((await admin.update(account.id, { paused: false })).status).toBe('reauth_required');
    expect(await accounts.get(account.id)).toMatchObject({ statusReason: 'Refresh token grant invalid - re-login required' });
  });

  it('deletes accounts and counts them by status', async () => {
    const first = (await admin.importAuthJson(fakeAuthJson({ chatgptAccountId: 'a' }))).account;
    const second = (await admin.importAuthJson(fakeAuthJson({ chatgptAccountId: 'b' }))).account;
    await accounts.applyEvent(second.id, { type: 'rate_limited', resetAt: new Date(Date.now() + 600_000) });
    expect(await admin.counts()).toMatchObject({ total: 2, active: 1, rate_limited: 1, paused: 0 });
    expect((await accounts.listEligible()).map((a) => a.id)).toEqual([first.id]);
    await admin.delete(first.id);
    await expect(admin.delete(first.id)).rejects.toMatchObject({ status: 404 });
    expect((await admin.list()).map((a) => a.id)).toEqual([second.id]);
  });

  it('persists instants exactly (epoch milliseconds round-trip as Date)', async () => {
    const { account } = await admin.importAuthJson(fakeAuthJson());
    const resetAt = new Date('2031-02-03T04:05:06.789Z');
    await accounts.applyEvent(account.id, { type: 'quota_exceeded', resetAt });
    expect((await accounts.get(account.id))?.resetAt).toEqual(resetAt);
  });

  it('lists accounts oldest first exactly as TypeORM hydrates them, without their token columns', async () => {
    const { account: first } = await admin.importAuthJson(fakeAuthJson({ chatgptAccountId: 'acct-1' }));
    const { account: second } = await admin.importAuthJson(fakeAuthJson({ chatgptAccountId: 'acct-2' }));
    // Every column kind the list carries: instants, booleans, doubles, integers, text and nulls.
    await dataSource.getRepository(AccountEntity).update(second.id, {
      alias: 'second',
      status: 'quota_exceeded',
      resetAt: new Date('2031-02-03T04:05:06.789Z'),
      blockedAt: new Date('2031-02-03T03:05:06.001Z'),
      primaryUsedPercent: 12.5,
      primaryWindowMinutes: 300,
      primaryResetAt: new Date('2031-02-03T05:00:00.000Z'),
      creditsHasCredits: true,
      creditsUnlimited: false,
      creditsBalance: 3.25,
      createdAt: new Date('2020-01-01T00:00:00.000Z'),
    });
    const found = await dataSource.getRepository(AccountEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    const listed = await accounts.list();
    expect(listed.map((a) => a.id)).toEqual([second.id, first.id]);
    expect(listed).toEqual(found.map(({ accessTokenEncrypted: _a, refreshTokenEncrypted: _r, idTokenEncrypted: _i, ...rest }) => rest));
    expect(listed[0]).toMatchObject({ resetAt: new Date('2031-02-03T04:05:06.789Z'), creditsHasCredits: true, creditsUnlimited: false, creditsBalance: 3.25, primaryUsedPercent: 12.5 });
    expect(JSON.stringify(listed)).not.toMatch(/accessToken|refreshToken|idToken/);
  });

  it('stores refreshed tokens only over the refresh token that was spent', async () => {
    const { account } = await admin.importAuthJson(fakeAuthJson());
    const before = await accounts.readCredentials(account.id);
    const next = { accessToken: 'fake-access-n', refreshToken: 'fake-refresh-n', idToken: fakeIdToken({ planType: 'team' }) };
    const claims = { email: null, subject: null, chatgptAccountId: null, chatgptUserId: null, planType: 'team', workspaceId: null, workspaceLabel: null, seatType: null, expiresAt: null };
    expect(await accounts.storeRefreshedTokens(account.id, before.version, next, claims)).toBe(true);
    expect(await accounts.storeRefreshedTokens(account.id, before.version, { ...next, accessToken: 'fake-late' }, claims)).toBe(false);
    expect(await accounts.readCredentials(account.id)).toMatchObject({ accessToken: 'fake-access-n', refreshToken: 'fake-refresh-n' });
    expect(await accounts.get(account.id)).toMatchObject({ planType: 'team', email: 'someone@example.test' });
  });

  describe('encryption key fingerprint', () => {
    it('records the first key and accepts it again', async () => {
      expect(await checkKeyFingerprint(dataSource, cipher.fingerprint, 'enforce')).toBeNull();
      expect(await checkKeyFingerprint(dataSource, cipher.fingerprint, 'enforce')).toBeNull();
    });

    it('refuses a different key in enforce mode and warns in warn mode', async () => {
      await checkKeyFingerprint(dataSource, cipher.fingerprint, 'enforce');
      const other = createTokenCipher(generateFernetKey()).fingerprint;
      await expect(checkKeyFingerprint(dataSource, other, 'enforce')).rejects.toThrow(EncryptionKeyMismatchError);
      expect(await checkKeyFingerprint(dataSource, other, 'warn')).toContain('encryption key differs');
      expect(await checkKeyFingerprint(dataSource, other, 'off')).toBeNull();
    });
  });
});
