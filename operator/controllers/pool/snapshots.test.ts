import { describe, expect, it } from 'vitest';
import type { PoolState } from './admin-types.ts';
import { PoolSnapshots, upsertById } from './snapshots.ts';

const empty = (): PoolState => ({ accounts: [], apiKeys: [] });

describe('pool snapshots', () => {
  it('share one fetch among concurrent readers and serve it until it is maxAge old', async () => {
    let now = 0;
    let calls = 0;
    const snapshots = new PoolSnapshots({ maxAgeMs: 1000, now: () => now });
    const fetch = async () => {
      calls++;
      return empty();
    };
    await Promise.all(Array.from({ length: 20 }, () => snapshots.get('ns/lb/uid', fetch)));
    expect(calls).toBe(1);
    now = 999;
    await snapshots.get('ns/lb/uid', fetch);
    expect(calls).toBe(1);
    now = 1000;
    await snapshots.get('ns/lb/uid', fetch);
    expect(calls).toBe(2);
  });

  it('remember a failure for as long, so a down installation is not called once per resource', async () => {
    let now = 0;
    let calls = 0;
    const snapshots = new PoolSnapshots({ maxAgeMs: 1000, now: () => now });
    const failing = async (): Promise<PoolState> => {
      calls++;
      throw new Error('down');
    };
    await expect(snapshots.get('k', failing)).rejects.toThrow('down');
    await expect(snapshots.get('k', failing)).rejects.toThrow('down');
    expect(calls).toBe(1);
    now = 1500;
    await expect(snapshots.get('k', failing)).rejects.toThrow('down');
    expect(calls).toBe(2);
  });

  it('fold the answers of writes into the snapshot instead of fetching again', async () => {
    const snapshots = new PoolSnapshots({ maxAgeMs: 1000, now: () => 0 });
    await snapshots.refresh('k', async () => empty());
    const account = { id: 'a' } as PoolState['accounts'][number];
    snapshots.update('k', (s) => ({ ...s, accounts: upsertById(s.accounts, account) }));
    let calls = 0;
    expect((await snapshots.get('k', async () => (calls++, empty()))).accounts).toEqual([account]);
    expect(calls).toBe(0);
  });
});
