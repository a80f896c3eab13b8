/** API keys on both dialects: admin CRUD, verification, model allow-list, limit reservation and settlement. */
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyAdmin } from '../../../proxy/apikeys/admin.ts';
import { ApiKeyService, type VerifiedApiKey } from '../../../proxy/apikeys/api-key-service.ts';
import { ApiKeyError } from '../../../proxy/apikeys/errors.ts';
import { hashApiKey } from '../../../proxy/apikeys/key-format.ts';
import { ApiKeyEntity, ApiKeyLimitEntity } from '../../../proxy/store/entities/api-key.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();
const DAY = 86_400_000;
const USAGE = { inputTokens: 800, outputTokens: 200, cachedInputTokens: 0 };

describe.each(DIALECTS)('API keys on %s', (dialect) => {
  let dataSource: DataSource;
  let now: Date;
  let admin: ApiKeyAdmin;
  let service: ApiKeyService;

  beforeEach(async () => {
    dataSource = await dbs.migrated(dialect);
    now = new Date('2026-06-01T00:00:00.000Z');
    admin = new ApiKeyAdmin({ dataSource, now: () => now });
    service = new ApiKeyService({ dataSource, now: () => now });
  });
  afterEach(() => dataSource.destroy());

  const limitOf = async (apiKeyId: string) => (await dataSource.getRepository(ApiKeyLimitEntity).findBy({ apiKeyId }))[0];
  const rejection = (promise: Promise<unknown>): Promise<ApiKeyError> => promise.then(() => { throw new Error('expected a rejection'); }, (err: ApiKeyError) => err);

  describe('admin', () => {
    it('shows the key once and stores only its hash and prefix', async () => {
      const { apiKey, key } = await admin.create({ name: 'ci', allowedModels: ['gpt-5.4'] });
      expect(key).toMatch(/^sk-clb-[A-Za-z0-9_-]{43}$/);
      expect(apiKey).toEqual({
        id: expect.any(String),
        name: 'ci',
        prefix: key.slice(0, 15),
        allowedModels: ['gpt-5.4'],
        limits: [],
        expiresAt: null,
        active: true,
        createdAt: '2026-06-01T00:00:00.000Z',
      });
      const row = await dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id: apiKey.id });
      expect(row.keyHash).toBe(hashApiKey(key));
      expect(JSON.stringify(await dataSource.query('SELECT * FROM api_keys'))).not.toContain(key);
      expect(JSON.stringify(await admin.list())).not.toContain(key);
    });

    it('validates bodies and reports unknown ids', async () => {
      await expect(admin.create({})).rejects.toMatchObject({ status: 422, code: 'validation_error' });
      await expect(admin.create({ name: 'x', limits: [{ limitType: 'tokens', limitWindow: 'daily', maxValue: 1 }] })).rejects.toMatchObject({ status: 422 });
      await expect(admin.create({ name: 'x', expiresAt: 'someday' })).rejects.toMatchObject({ status: 422 });
      await expect(admin.update('missing', { name: 'y' })).rejects.toMatchObject({ status: 404, code: 'not_found' });
      await expect(admin.delete('missing')).rejects.toMatchObject({ status: 404 });
    });

    it('keeps a limit’s usage when an update re-declares it', async () => {
      const { apiKey, key } = await admin.create({ name: 'k', limits: [{ limitType: 'total_tokens', limitWindow: 'daily', maxValue: 50_000 }] });
      const verified = await service.verify(key);
      await service.reserve(verified, { model: 'gpt-5.4' });
      const updated = await admin.update(apiKey.id, {
        limits: [
          { limitType: 'total_tokens', limitWindow: 'daily', maxValue: 60_000 },
          { limitType: 'cost_usd', limitWindow: 'monthly', maxValue: 5_000_000 },
        ],
      });
      expect(updated.limits.map((l) => [l.limitType, l.maxValue, l.currentValue])).toEqual(
        expect.arrayContaining([
          ['total_tokens', 60_000, 10_240],
          ['cost_usd', 5_000_000, 0],
        ]),
      );
    });
  });

  describe('verify', () => {
    it('returns the key record for a valid key and records its use', async () => {
      const { apiKey, key } = await admin.create({ name: 'ok', allowedModels: ['gpt-5.4'], expiresAt: '2027-01-02T03:04:05.678Z' });
      const { keyHash: _hash, ...stored } = await dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id: apiKey.id });
      const verified = await service.verify(key);
      // Read by a prebuilt statement (store/plain-select.ts): exactly what find() hydrates, JSON and instants included.
      expect(verified).toEqual({ ...stored, limitsSeen: { count: 0, at: now.getTime() } });
      expect(verified).toMatchObject({ id: apiKey.id, name: 'ok', isActive: true, allowedModels: ['gpt-5.4'], expiresAt: new Date('2027-01-02T03:04:05.678Z') });
      expect(verified).not.toHaveProperty('keyHash');
      expect((await dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id: apiKey.id })).lastUsedAt).toEqual(now);
    });

    it.each([
      [undefined, 'Missing API key in Authorization header'],
      ['', 'Missing API key in Authorization header'],
      ['sk-clb-not-a-real-key', 'Invalid API key'],
    ])('refuses %j with 401 invalid_api_key', async (bearer, message) => {
      const error = await rejection(service.verify(bearer));
      expect(error).toBeInstanceOf(ApiKeyError);
      expect(error.toJSON()).toEqual({ error: { message, type: 'authentication_error', code: 'invalid_api_key' } });
      expect(error.status).toBe(401);
    });

    it('refuses a deactivated key and an expired one', async () => {
      const inactive = await admin.create({ name: 'off' });
      await admin.update(inactive.apiKey.id, { active: false });
      expect((await rejection(service.verify(inactive.key))).message).toBe('Invalid API key');
      const expiring = await admin.create({ name: 'exp', expiresAt: '2026-06-02T00:00:00Z' });
      expect((await service.verify(expiring.key)).id).toBe(expiring.apiKey.id);
      now = new Date('2026-06-02T00:00:00Z');
      expect((await rejection(service.verify(expiring.key))).message).toBe('API key has expired');
    });

    it('enforces the model allow-list with 403 model_not_allowed', async () => {
      const { key } = await admin.create({ name: 'm', allowedModels: ['gpt-5.4', 'gpt-5.4-mini'] });
      const verified = await service.verify(key);
      expect(() => service.assertModelAllowed(verified, 'GPT-5.4')).not.toThrow();
      const error = (() => {
        try {
          service.assertModelAllowed(verified, 'gpt-5.5');
        } catch (err) {
          return err as ApiKeyError;
        }
        throw new Error('expected model_not_allowed');
      })();
      expect(error.status).toBe(403);
      expect(error.toJSON()).toEqual({
        error: { message: "This API key does not have access to model 'gpt-5.5'", type: 'permission_error', code: 'model_not_allowed' },
      });
    });
  });

  describe('limits', () => {
    let key: VerifiedApiKey;
    beforeEach(async () => {
      const created = await admin.create({ name: 'limited', limits: [{ limitType: 'total_tokens', limitWindow: 'daily', maxValue: 15_000 }] });
      key = await service.verify(created.key);
    });

    it('reserves the estimate, then at most what is left, then refuses with 429', async () => {
      const first = await service.reserve(key, { model: 'gpt-5.4' });
      expect((await limitOf(key.id))?.currentValue).toBe(10_240);
      const second = await service.reserve(key, { model: 'gpt-5.4' });
      expect((await limitOf(key.id))?.currentValue).toBe(15_000);
      const error = await rejection(service.reserve(key, { model: 'gpt-5.4' }));
      expect(error.status).toBe(429);
      expect(error.toJSON()).toEqual({
        error: {
          message: 'API key total_tokens daily limit exceeded. Usage resets at 2026-06-02T00:00:00Z.',
          type: 'rate_limit_error',
          code: 'rate_limit_exceeded',
        },
      });
      expect(first).not.toBeNull();
      expect(second).not.toBeNull();
    });

    it('settles with actual usage and releases failed requests, each only once', async () => {
      const first = await service.reserve(key, { model: 'gpt-5.4' });
      const second = await service.reserve(key, { model: 'gpt-5.4' });
      await service.settle(first, USAGE, null);
      expect((await limitOf(key.id))?.currentValue).toBe(15_000 - 10_240 + 1000);
      await service.settle(first, USAGE, null);
      await service.release(first);
      expect((await limitOf(key.id))?.currentValue).toBe(5760);
      await service.release(second);
      expect((await limitOf(key.id))?.currentValue).toBe(1000);
    });

    it('settles requests that end together in one commit, each counted once', async () => {
      const big = await admin.create({ name: 'roomy', limits: [{ limitType: 'total_tokens', limitWindow: 'daily', maxValue: 1_000_000 }] });
      const roomy = await service.verify(big.key);
      const reservations = await Promise.all(Array.from({ length: 3 }, () => service.reserve(roomy, { model: 'gpt-5.4' })));
      let commits = 0;
      const observer: EntitySubscriberInterface = { afterTransactionCommit: () => void (commits += 1) };
      dataSource.subscribers.push(observer);
      await Promise.all([service.settle(reservations[0] ?? null, USAGE, null), service.settle(reservations[1] ?? null, USAGE, null), service.release(reservations[2] ?? null)]);
      expect(commits).toBe(1);
      expect((await limitOf(roomy.id))?.currentValue).toBe(2 * 1000);
    });

    it('starts a new window once the old one has ended', async () => {
      await service.reserve(key, { model: 'gpt-5.4' });
      now = new Date(now.getTime() + DAY + 1000);
      await service.reserve(key, { model: 'gpt-5.4' });
      expect(await limitOf(key.id)).toMatchObject({ currentValue: 10_240, resetAt: new Date('2026-06-03T00:00:00.000Z') });
    });

    it('does not correct a window that rolled while the request ran', async () => {
      const reservation = await service.reserve(key, { model: 'gpt-5.4' });
      now = new Date(now.getTime() + DAY + 1000);
      await service.reserve(key, { model: 'gpt-5.4' });
      await service.settle(reservation, USAGE, null);
      expect((await limitOf(key.id))?.currentValue).toBe(10_240);
    });

    it('never lets concurrent reservations exceed the limit', async () => {
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => service.reserve(key, { model: 'gpt-5.4' })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r.reason as ApiKeyError).code)).toEqual(Array(10).fill('rate_limit_exceeded'));
      expect((await limitOf(key.id))?.currentValue).toBe(15_000);
    });
  });

  it('counts a key’s own limits in the read that verifies it, and trusts a count of none for a second', async () => {
    const other = await admin.create({
      name: 'two limits',
      limits: [
        { limitType: 'total_tokens', limitWindow: 'daily', maxValue: 50_000 },
        { limitType: 'cost_usd', limitWindow: 'monthly', maxValue: 5_000_000 },
      ],
    });
    expect((await service.verify(other.key)).limitsSeen).toEqual({ count: 2, at: now.getTime() });
    const { apiKey, key } = await admin.create({ name: 'none yet' });
    const verified = await service.verify(key);
    expect(verified.limitsSeen).toEqual({ count: 0, at: now.getTime() });

    await admin.update(apiKey.id, { limits: [{ limitType: 'total_tokens', limitWindow: 'daily', maxValue: 50_000 }] });
    // Within the second the key was read in, its request goes as if it had come a moment before the limit.
    now = new Date(now.getTime() + 999);
    expect(await service.reserve(verified, { model: 'gpt-5.4' })).toBeNull();
    expect((await limitOf(apiKey.id))?.currentValue).toBe(0);
    // Later (a WebSocket session's next turn on the key it verified at the upgrade) the limits are read again.
    now = new Date(now.getTime() + 1);
    expect(await service.reserve(verified, { model: 'gpt-5.4' })).not.toBeNull();
    expect((await limitOf(apiKey.id))?.currentValue).toBe(10_240);
  });

  it('reads the limits again when the clock was set back since the key was read', async () => {
    const { apiKey, key } = await admin.create({ name: 'clock' });
    const verified = await service.verify(key);
    await admin.update(apiKey.id, { limits: [{ limitType: 'total_tokens', limitWindow: 'daily', maxValue: 50_000 }] });
    now = new Date(now.getTime() - 3_600_000);
    expect(await service.reserve(verified, { model: 'gpt-5.4' })).not.toBeNull();
  });

  it('applies a model-filtered limit only to its model, in micro-dollars for cost', async () => {
    const { key } = await admin.create({
      name: 'cost',
      limits: [{ limitType: 'cost_usd', limitWindow: 'monthly', maxValue: 60_000, modelFilter: 'gpt-5.4' }],
    });
    const verified = await service.verify(key);
    expect(await service.reserve(verified, { model: 'gpt-5.4-mini' })).toBeNull();
    const reservation = await service.reserve(verified, { model: 'gpt-5.4' });
    expect((await limitOf(verified.id))?.currentValue).toBe(51_200);
    await service.settle(reservation, USAGE, 'priority');
    // priority gpt-5.4: 800 × $5/M + 200 × $30/M = $0.01 = 10,000 µ$
    expect((await limitOf(verified.id))?.currentValue).toBe(10_000);
    await service.reserve(verified, { model: 'gpt-5.4' });
    expect((await rejection(service.reserve(verified, { model: 'gpt-5.4' }))).message).toMatch(/^API key cost_usd monthly limit exceeded for model gpt-5\.4\. Usage resets at /);
  });
});
