/**
 * Request body content codings the proxy decodes (upstream codex-lb accepts gzip, deflate, zstd
 * and br request bodies; the Codex CLI compresses large requests with zstd). Anything else is the
 * client's mistake: 415 naming the coding, never a 500.
 */
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createZstdDecompress } from 'node:zlib';
import { unsupportedMediaType } from '../../errors/catalogue.ts';

const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
  zstd: createZstdDecompress,
};

/** The named coding, normalized; `identity` (or no header) means none. Throws 415 for anything else. */
export function contentCoding(header: string | undefined): string | undefined {
  const coding = (header ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return undefined;
  if (DECODERS[coding] === undefined) {
    throw unsupportedMediaType(`Unsupported content encoding ${JSON.stringify(coding.slice(0, 64))}: use gzip, deflate, br or zstd`, 'unsupported_encoding');
  }
  return coding;
}

/** A fresh decoder for a coding `contentCoding` accepted. */
export function decoderFor(coding: string): Transform {
  const make = DECODERS[coding];
  if (make === undefined) throw new Error(`no decoder for ${coding}`);
  return make();
}
