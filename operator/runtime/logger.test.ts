import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { log: createLogger('debug', stream), text: () => text };
}

describe('operator logs', () => {
  it('are JSON lines with the message and fields', async () => {
    const { log, text } = capture();
    log.info('applied', { kind: 'StatefulSet', name: 'lb' });
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(text())).toMatchObject({ level: 'info', message: 'applied', kind: 'StatefulSet', name: 'lb' });
  });

  it('redact credential-named fields and Secret payloads, at any depth', async () => {
    const { log, text } = capture();
    log.warn('careless', {
      token: 'tok-123',
      nested: { password: 'pw-456', databaseUrl: 'postgresql://u:pw-789@db/x', apiKey: 'sk-clb-abc' },
      secret: { data: { 'encryption-key': 'a2V5' }, stringData: { x: 'plain' } },
      key: 'ns/name',
    });
    await new Promise((r) => setImmediate(r));
    for (const value of ['tok-123', 'pw-456', 'pw-789', 'sk-clb-abc', 'a2V5', 'plain']) expect(text()).not.toContain(value);
    expect(JSON.parse(text()).key).toBe('ns/name');
  });
});
