import { describe, expect, it } from 'vitest';
import { ONE_SHOT_BODY_BYTES, oneShotBody } from './client.ts';

async function drain(body: string | AsyncIterable<unknown>): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('oneShotBody', () => {
  it('hands a small body over as one Buffer of its UTF-8 bytes (undici writes it with the headers)', () => {
    const { body, length } = oneShotBody('{"input":"é"}');
    expect(Buffer.isBuffer(body)).toBe(true);
    expect((body as Buffer).toString('utf8')).toBe('{"input":"é"}');
    expect(length).toBeUndefined();
  });

  it('hands a large body over as a stream of its UTF-8 bytes, with their length', async () => {
    const text = JSON.stringify({ input: 'é'.repeat(ONE_SHOT_BODY_BYTES) });
    const { body, length } = oneShotBody(text);
    expect(typeof body).not.toBe('string');
    const bytes = await drain(body as AsyncIterable<unknown>);
    expect(bytes.toString('utf8')).toBe(text);
    expect(length).toBe(bytes.byteLength);
  });
});
