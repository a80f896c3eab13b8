/**
 * The Node floor: the least a Node proxy that reads request bodies must do, and nothing more — a `node:http`
 * server that reads the JSON body, parses and re-serialises it, sends it upstream through one undici Pool
 * (the proxy's client library) with the caller's own credentials, and copies the answer's bytes back.
 * No routing, no accounts, no database, no event parsing. What the proxy costs beyond this is its own
 * logic; what this costs beyond direct is Node's HTTP stack (the benchmark's `node` column).
 *
 * Run: `node bench/proxy/node-floor.ts <port> <upstream origin>`.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, upstream] = process.argv.slice(2);
if (!port || !upstream) throw new Error('usage: node-floor.ts <port> <upstream origin>');
const pool = new Pool(upstream, { connections: 2000, headersTimeout: 0, bodyTimeout: 0 });
const FORWARDED = ['content-type', 'accept', 'authorization', 'chatgpt-account-id', 'user-agent'];

const server = createServer((req, res) => {
  void (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await pool.request({ method: 'POST', path: req.url ?? '/', headers, body });
    const contentType = answer.headers['content-type'];
    res.writeHead(answer.statusCode, typeof contentType === 'string' ? { 'content-type': contentType } : {});
    for await (const chunk of answer.body) res.write(chunk);
    res.end();
  })().catch(() => res.destroy());
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
