/**
 * Tracing with OpenTelemetry's SDK (CODEX_LB_OTEL_*): a proxied request becomes a server span and its upstream
 * attempt a client span inside it, exported over OTLP/HTTP to a collector (here a loopback server reading what
 * the exporter sends), and nothing secret rides along.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from './support/clients.ts';
import { proxySuite } from './support/suite.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean } }>;
}
interface OtlpExport {
  resourceSpans: Array<{ resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

const SERVER = 2;
const CLIENT = 3;
const attr = (attributes: OtlpSpan['attributes'], key: string) => {
  const value = attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : value?.boolValue);
};

describe('tracing', () => {
  const suite = proxySuite();
  let collector: Server;
  let endpoint: string;
  const received: string[] = [];

  beforeAll(async () => {
    collector = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces' && /json/.test(req.headers['content-type'] ?? '')) received.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => collector.close(resolve));
  });

  it('exports a server span per proxied request with its upstream attempt inside, and no secret', async () => {
    const proxy = await suite.start({ env: { CODEX_LB_OTEL_ENABLED: 'true', CODEX_LB_OTEL_EXPORTER_ENDPOINT: endpoint, CODEX_LB_API_KEY_AUTH_ENABLED: 'true' } });
    const account = suite.fake.addAccount();
    await proxy.importAccount(account);
    const { key } = await proxy.dataLayer.apiKeyAdmin.create({ name: 'traced' });
    const res = await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'a traced prompt' }, { authorization: `Bearer ${key}`, 'x-request-id': 'trace-me-1' });
    expect(res.status).toBe(200);
    await proxy.close(); // flushes the batch

    const exported = received.map((body) => JSON.parse(body) as OtlpExport);
    const spans = exported.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
    const server = spans.find((s) => s.kind === SERVER && attr(s.attributes, 'codex_lb.request_id') === 'trace-me-1');
    expect(server).toBeDefined();
    expect(server!.name).toBe('POST /v1/responses');
    expect([attr(server!.attributes, 'http.route'), attr(server!.attributes, 'http.response.status_code')]).toEqual(['/v1/responses', 200]);
    const upstream = spans.filter((s) => s.kind === CLIENT && s.parentSpanId === server!.spanId);
    expect(upstream).toEqual([expect.objectContaining({ name: 'upstream attempt', traceId: server!.traceId })]);
    expect(attr(upstream[0]!.attributes, 'codex_lb.upstream.outcome')).toBe('completed');
    expect(attr(exported[0]!.resourceSpans[0]!.resource.attributes, 'service.name')).toBe('codex-lb');

    const everything = received.join('\n');
    for (const secret of [key, account.accessToken, account.refreshToken, 'a traced prompt']) expect(everything).not.toContain(secret);
  });
});
