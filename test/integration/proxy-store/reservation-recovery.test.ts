/**
 * API-key budget held by a process that died mid-request comes back (issue 12 item 9), on both dialects: a
 * restarted replica releases what its predecessor (same instance id) held, and the keeper releases reservations
 * whose heartbeat stopped — never a live one, and each exactly once.
 */
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyAdmin } from '../../../proxy/apikeys/admin.ts';
import { ApiKeyService } from '../../../proxy/apikeys/api-key-service.ts';
import { RESERVATION_ABANDONED_AFTER_MS, ReservationKeeper } from '../../../proxy/apikeys/reservation-keeper.ts';
import { ApiKeyLimitEntity } from '../../../proxy/store/entities/api-key.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();
const MINUTE = 60_000;

describe.each(DIALECTS)('abandoned API-key reservations on %s', (dialect) => {
  let dataSource: DataSource;
  let now: number;
  let keyId: string;
  const clock = () => new Date(now);
  const service = (holder: string) => new ApiKeyService({ dataSource, holder, now: clock });
  const used = async () => (await dataSource.getRepository(ApiKeyLimitEntity).findOneByOrFail({ apiKeyId: keyId })).currentValue;

  beforeEach(async () => {
    dataSource = await dbs.migrated(dialect);
    now = Date.parse('2026-06-01T00:00:00.000Z');
    const admin = new ApiKeyAdmin({ dataSource, now: clock });
    keyId = (await admin.create({ name: 'weekly', limits: [{ limitType: 'total_tokens', limitWindow: 'weekly', maxValue: 1_000_000 }] })).apiKey.id;
  });
  afterEach(() => dataSource.destroy());

  it('a restarted replica gives back what its crashed predecessor held, and nothing another replica holds', async () => {
    await service('pod-0').reserve({ id: keyId }, { model: 'gpt-5.4' }); // pod-0 is then killed
    const other = service('pod-1');
    const live = await other.reserve({ id: keyId }, { model: 'gpt-5.4' });
    expect(await used()).toBe(2 * 10_240);

    expect(await service('pod-0').reclaimAbandoned({ holder: 'pod-0' })).toBe(1);
    expect(await used()).toBe(10_240);
    await other.release(live);
    expect(await used()).toBe(0);
  });

  it('the keeper heart-beats live reservations and releases ones whose heartbeat stopped, once', async () => {
    const survivor = service('pod-1');
    const keeper = new ReservationKeeper({ apiKeys: survivor, now: () => now });
    await service('pod-0').reserve({ id: keyId }, { model: 'gpt-5.4' }); // pod-0 dies and never comes back
    const live = await survivor.reserve({ id: keyId }, { model: 'gpt-5.4' });

    for (let minute = 1; minute <= RESERVATION_ABANDONED_AFTER_MS / MINUTE; minute++) {
      now += MINUTE;
      expect(await keeper.pass()).toBe(0); // not abandoned yet: the dead one's last touch is not old enough
    }
    now += MINUTE;
    expect(await keeper.pass()).toBe(1);
    expect(await used()).toBe(10_240); // the live one, heart-beaten every pass, is still held
    expect(await new ReservationKeeper({ apiKeys: service('pod-2'), now: () => now }).pass()).toBe(0);

    await survivor.settle(live, { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 }, null);
    expect(await used()).toBe(120);
  });
});
