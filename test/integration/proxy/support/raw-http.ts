/**
 * A hand-driven HTTP/1.1 client for slow, partial and oversized uploads: the test decides exactly
 * which bytes are sent and when, and sees the answer as soon as the server gives it — before the
 * upload is finished, which fetch cannot show.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  readonly socket: Socket;
  send(data: string | Buffer): void;
  /** The server's answer (status, headers, body by Content-Length). */
  readonly answer: Promise<RawAnswer>;
  /** Resolves when the server closed the connection. */
  readonly closed: Promise<void>;
}

/**
 * Opens a connection to `url`'s host and sends the request line and headers (plus `body`, if given).
 * `endHeaders: false` leaves out the blank line that ends the headers, as a stalling client would.
 */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body?: string | Buffer,
  options: { endHeaders?: boolean } = {},
): RawRequest {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined); // the server may reset an upload it refused
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${hostname}:${port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  const head = `${lines.join('\r\n')}\r\n${options.endHeaders === false ? '' : '\r\n'}`;
  socket.write(head);
  if (body !== undefined) socket.write(body);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const answerHeaders = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const length = Number(answerHeaders['content-length'] ?? 0);
      if (received.length - end - 4 < length) return;
      socket.off('data', onData);
      resolve({ status: Number(statusLine.split(' ')[1]), headers: answerHeaders, body: received.subarray(end + 4, end + 4 + length).toString('utf8') });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`connection closed before a complete answer: ${received.toString('latin1').slice(0, 200)}`)));
  });
  answer.catch(() => undefined);
  return { socket, send: (data) => socket.write(data), answer, closed };
}
