/**
 * The replicated-mode tables on both dialects (reference/proxy-contract.md §11.2): ring membership
 * (register, heartbeat, draining, leaving, purge, the advertise-URL checks at join) and the durable
 * session owner (claim, takeover epochs, fenced renewal, release).
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { Ring, RingJoinError } from '../../../proxy/cluster/ring.ts';
import { RingStore } from '../../../proxy/cluster/ring-store.ts';
import { SessionOwnerStore } from '../../../proxy/cluster/session-owners.ts';
import { createLogger } from '../../../proxy/observability/logger.ts';
import { runSql } from '../../../proxy/store/sql.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();
const quiet = createLogger({ format: 'json', level: 'error' });
const member = (instanceId: string, endpoint: string | null = `http://${instanceId}:2455`) => ({ instanceId, endpoint, processId: randomUUID() });

describe.each(DIALECTS)('ring membership on %s', (dialect) => {
  const open: DataSource[] = [];
  afterEach(async () => {
    for (const dataSource of open.splice(0)) await dataSource.destroy();
  });
  const connect = async (): Promise<DataSource> => {
    const dataSource = await dbs.migrated(dialect);
    open.push(dataSource);
    return dataSource;
  };

  it('lists registered members by heartbeat; a draining one is flagged, a leaving one is gone at once', async () => {
    const store = new RingStore(await connect());
    const [a, b, c] = [member('pod-a'), member('pod-b'), member('pod-c', null)];
    for (const m of [b, a, c]) await store.register(m);
    expect((await store.live()).map((m) => [m.instanceId, m.endpoint, m.draining])).toEqual([
      ['pod-a', 'http://pod-a:2455', false],
      ['pod-b', 'http://pod-b:2455', false],
      ['pod-c', null, false],
    ]);
    await store.markDraining(b);
    await store.leave(c);
    expect((await store.live()).map((m) => [m.instanceId, m.draining])).toEqual([
      ['pod-a', false],
      ['pod-b', true],
    ]);
  });

  it('a member whose heartbeat is 30 s old is not live, and rows gone for a day are purged', async () => {
    const dataSource = await connect();
    const store = new RingStore(dataSource);
    const [a, b] = [member('pod-a'), member('pod-b')];
    await store.register(a);
    await store.register(b);
    await runSql(dataSource, 'UPDATE bridge_ring_members SET heartbeat_at = heartbeat_at - :age WHERE instance_id = :id', { age: 30_001, id: 'pod-b' });
    expect((await store.live()).map((m) => m.instanceId)).toEqual(['pod-a']);
    expect(await store.heartbeat(b)).toBe(true);
    expect((await store.live()).map((m) => m.instanceId)).toEqual(['pod-a', 'pod-b']);
    await runSql(dataSource, 'UPDATE bridge_ring_members SET heartbeat_at = 0 WHERE instance_id = :id', { id: 'pod-b' });
    await store.purge();
    expect(await dataSource.query('SELECT instance_id FROM bridge_ring_members')).toHaveLength(1);
  });

  it('a restarted replica takes its row over; the previous run’s heartbeat no longer counts', async () => {
    const store = new RingStore(await connect());
    const before = member('pod-a');
    await store.register(before);
    const after = { ...before, processId: randomUUID() };
    await store.register(after);
    expect(await store.heartbeat(before)).toBe(false);
    expect(await store.heartbeat(after)).toBe(true);
    expect((await store.live()).map((m) => m.processId)).toEqual([after.processId]);
  });

  it('refuses to join with an advertise URL a live replica uses, or none while others are live; rejoins after a restart', async () => {
    const dataSource = await connect();
    const ring = (instanceId: string, endpoint: string | null): Ring =>
      new Ring({ store: new RingStore(dataSource), owners: new SessionOwnerStore(dataSource), instanceId, endpoint, logger: quiet });
    await ring('pod-a', 'http://10.0.0.1:2455').join();
    await expect(ring('pod-b', 'http://10.0.0.1:2455').join()).rejects.toThrow(RingJoinError);
    await expect(ring('pod-b', null).join()).rejects.toThrow(/is unset but other replicas are live \(pod-a\)/);
    await ring('pod-b', 'http://10.0.0.2:2455').join();
    const restarted = ring('pod-a', 'http://10.0.0.1:2455');
    await restarted.join();
    expect((await restarted.members()).map((m) => m.instanceId)).toEqual(['pod-a', 'pod-b']);
  });
});

describe.each(DIALECTS)('session owners on %s', (dialect) => {
  const open: DataSource[] = [];
  afterEach(async () => {
    for (const dataSource of open.splice(0)) await dataSource.destroy();
  });
  const owners = async (): Promise<SessionOwnerStore> => {
    const dataSource = await dbs.migrated(dialect);
    open.push(dataSource);
    return new SessionOwnerStore(dataSource);
  };
  const key = 'a'.repeat(64);

  it('records the replica serving a session; another replica’s claim is a takeover with a new epoch', async () => {
    const store = await owners();
    expect(await store.get(key)).toBeUndefined();
    expect(await store.claim(key, 'pod-a', 60_000)).toBe(1);
    expect(await store.claim(key, 'pod-a', 60_000)).toBe(1);
    expect(await store.get(key)).toEqual({ instanceId: 'pod-a', epoch: 1, leaseLive: true });
    expect(await store.claim(key, 'pod-b', 60_000)).toBe(2);
    expect(await store.get(key)).toEqual({ instanceId: 'pod-b', epoch: 2, leaseLive: true });
  });

  it('renews and releases only for the current owner: a replica that lost the session cannot take it back that way', async () => {
    const store = await owners();
    await store.claim(key, 'pod-a', 60_000);
    await store.claim(key, 'pod-b', 1);
    await store.renew(key, 'pod-a', 1, 60_000);
    await store.release(key, 'pod-a');
    expect(await store.get(key)).toMatchObject({ instanceId: 'pod-b', epoch: 2 });
    await store.renew(key, 'pod-b', 2, 60_000);
    expect(await store.get(key)).toMatchObject({ instanceId: 'pod-b', leaseLive: true });
    await store.releaseAll('pod-b');
    expect(await store.get(key)).toMatchObject({ instanceId: 'pod-b', leaseLive: false });
  });
});
