import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { StreamWriter } from './sse-writer.ts';

/** A real answer on loopback whose client does not read until `read()` is called. */
async function pausedClient(): Promise<{ res: ServerResponse; read: () => Promise<string>; close: () => void }> {
  let answer!: (res: ServerResponse) => void;
  const served = new Promise<ServerResponse>((resolve) => (answer = resolve));
  const server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
  client.end();
  const response = new Promise<IncomingMessage>((resolve) => client.once('response', resolve));
  const res = await served;
  return {
    res,
    read: async () => {
      const body = await response;
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    close: () => server.close(),
  };
}

/** A writer whose answer is committed (status and headers sent) to a paused client. */
async function committedWriter(): Promise<Awaited<ReturnType<typeof pausedClient>> & { writer: StreamWriter }> {
  const client = await pausedClient();
  const writer = new StreamWriter(client.res);
  writer.commit(200, { 'content-type': 'text/plain' });
  return { ...client, writer };
}

describe('StreamWriter.write', () => {
  it('opens the answer with everything written before the writer yields, in one write', async () => {
    const { res, writer, read, close } = await committedWriter();
    const writes = vi.spyOn(res, 'write');
    // The head events of a turn: codex.rate_limits, then response.created, relayed in one synchronous run.
    writer.write('a');
    writer.write('b');
    expect(writes).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(writes.mock.calls.map(([chunk]) => chunk)).toEqual(['ab']);
    writer.end();
    expect(await read()).toBe('ab');
    close();
  });

  it('batches later events until the event loop turn ends', async () => {
    const { res, writer, read, close } = await committedWriter();
    writer.write('head');
    await Promise.resolve();
    const writes = vi.spyOn(res, 'write');
    writer.write('a');
    await Promise.resolve();
    writer.write('b');
    expect(writes).not.toHaveBeenCalled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes.mock.calls.map(([chunk]) => chunk)).toEqual(['ab']);
    writer.end();
    expect(await read()).toBe('headab');
    close();
  });
});

describe('StreamWriter.writeAll', () => {
  it('queues every text at once while the socket has room', async () => {
    const { writer, read, close } = await committedWriter();
    expect(writer.writeAll(['a', 'b', 'c'])).toBeUndefined();
    writer.end();
    expect(await read()).toBe('abc');
    close();
  });

  it('waits for a slow client part-way and keeps the order', async () => {
    const { writer, read, close } = await committedWriter();
    const texts = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(3, '0')}${'.'.repeat(64 * 1024)}`);
    const pending = writer.writeAll(texts);
    expect(pending).toBeInstanceOf(Promise);
    const body = read();
    await pending;
    writer.end();
    const received = await body;
    expect(received.length).toBe(texts.join('').length);
    expect(received.match(/\d{3}/g)).toEqual(texts.map((_, i) => String(i).padStart(3, '0')));
    close();
  });
});
