import { describe, expect, it } from 'vitest';
import { jsonLines } from './json-lines.ts';

async function collect<T>(chunks: Uint8Array[]): Promise<T[]> {
  const out: T[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const value of jsonLines<T>(source())) out.push(value);
  return out;
}

describe('jsonLines', () => {
  it('keeps a multi-byte character that a chunk boundary splits', async () => {
    const bytes = Buffer.from(`${JSON.stringify({ type: 'ADDED', object: { message: 'café ✓ 🚀' } })}\n`);
    // Cut inside the emoji (4 bytes) and inside the check mark (3 bytes).
    const rocket = bytes.indexOf(Buffer.from('🚀'));
    const check = bytes.indexOf(Buffer.from('✓'));
    const chunks = [bytes.subarray(0, check + 1), bytes.subarray(check + 1, rocket + 2), bytes.subarray(rocket + 2)];
    expect(await collect(chunks)).toEqual([{ type: 'ADDED', object: { message: 'café ✓ 🚀' } }]);
  });

  it('yields every line of a chunk, waits for the rest of a partial line, and takes a last line without newline', async () => {
    const chunks = [Buffer.from('{"a":1}\n{"b":'), Buffer.from('2}\n\n{"c":3}')];
    expect(await collect(chunks)).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });
});
