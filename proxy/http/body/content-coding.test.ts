import { gzipSync, zstdCompressSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { contentCoding, decoderFor } from './content-coding.ts';

describe('request content codings', () => {
  it('treats a missing header and identity as no coding', () => {
    expect(contentCoding(undefined)).toBeUndefined();
    expect(contentCoding(' Identity ')).toBeUndefined();
  });

  it('decodes gzip and zstd (the Codex CLI compresses large requests with zstd)', async () => {
    for (const [name, packed] of [['gzip', gzipSync('{"a":1}')], ['zstd', zstdCompressSync('{"a":1}')]] as const) {
      const coding = contentCoding(name.toUpperCase()) as string;
      expect(await text(Readable.from([packed]).pipe(decoderFor(coding)))).toBe('{"a":1}');
    }
  });

  it('refuses anything else with 415 unsupported_encoding', () => {
    for (const header of ['snappy', 'gzip, br', 'compress']) {
      expect(() => contentCoding(header)).toThrow(expect.objectContaining({ status: 415, code: 'unsupported_encoding' }));
    }
  });
});
