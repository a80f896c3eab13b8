import { describe, expect, it } from 'vitest';
import { WriteBatch } from './write-batch.ts';

/** A batch writer that records each write's items and answers each item with its double. */
function doubling(options: { windowMs?: number; maxItems?: number; fail?: (items: readonly number[]) => boolean } = {}) {
  const writes: number[][] = [];
  const batch = new WriteBatch<number, number>({
    windowMs: options.windowMs ?? 20,
    maxItems: options.maxItems ?? 100,
    write: async (items) => {
      writes.push([...items]);
      if (options.fail?.(items)) throw new Error('database gone');
      return items.map((item) => item * 2);
    },
  });
  return { batch, writes };
}

describe('WriteBatch', () => {
  it('writes what is added within the window in one write, each item settling with its own result', async () => {
    const { batch, writes } = doubling();
    const results = await Promise.all([batch.add(1), batch.add(2), batch.add(3)]);
    expect(results).toEqual([2, 4, 6]);
    expect(writes).toEqual([[1, 2, 3]]);
    expect(await batch.add(4)).toBe(8);
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it('writes at once when the batch is full', async () => {
    const { batch, writes } = doubling({ windowMs: 60_000, maxItems: 2 });
    expect(await Promise.all([batch.add(1), batch.add(2)])).toEqual([2, 4]);
    expect(writes).toEqual([[1, 2]]);
  });

  it("rejects every item of a failed write with its error, and writes the next batch on its own", async () => {
    const { batch, writes } = doubling({ fail: (items) => items.includes(1) });
    const failed = await Promise.allSettled([batch.add(1), batch.add(2)]);
    expect(failed.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['database gone', 'database gone']);
    expect(await batch.add(3)).toBe(6);
    expect(writes).toEqual([[1, 2], [3]]);
  });
});
