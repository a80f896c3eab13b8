import { describe, expect, it } from 'vitest';
import { buildUpstreamHeaders, forwardableHeaders, isNativeCodexClient, type UpstreamIdentity } from './headers.ts';

const identity: UpstreamIdentity = { accessToken: 'at-secret', authorization: 'Bearer at-secret', chatgptAccountId: 'ws-123', installationId: 'inst-1' };
const ctx = { requestId: 'req-1', clientVersion: '0.144.0', transport: 'http' as const };

describe('isNativeCodexClient', () => {
  it.each([
    [{ 'user-agent': 'codex_cli_rs/0.144.0 (Linux; x86_64)' }, true],
    [{ 'user-agent': '  Codex_Exec/1.0' }, true],
    [{ 'user-agent': 'codex desktop 1.2' }, true],
    [{ 'user-agent': 'OpenAI/JS 7.55.0', originator: 'codex_vscode' }, true],
    [{ 'user-agent': 'OpenAI/JS 7.55.0' }, false],
    [{ 'user-agent': 'curl/8.0', originator: 'something' }, false],
  ])('%o → %s', (headers, expected) => {
    expect(isNativeCodexClient(headers)).toBe(expected);
  });
});

describe('buildUpstreamHeaders', () => {
  it('drops client credentials, the network path, hop-by-hop and cookies', () => {
    const out = buildUpstreamHeaders(
      {
        authorization: 'Bearer sk-clb-client',
        'chatgpt-account-id': 'spoofed',
        host: 'proxy.local',
        'content-length': '10',
        'x-forwarded-for': '1.2.3.4',
        'x-forwarded-proto': 'https',
        'cf-connecting-ip': '1.2.3.4',
        forwarded: 'for=1.2.3.4',
        'x-real-ip': '1.2.3.4',
        'true-client-ip': '1.2.3.4',
        connection: 'keep-alive, x-hop',
        'x-hop': 'bye',
        'keep-alive': 'timeout=5',
        'accept-encoding': 'gzip',
        cookie: 'codex_lb_dashboard_session=abc',
        'x-codex-installation-id': 'client-chosen',
        'x-codex-lb-required-capability': 'x',
        'user-agent': 'codex_cli_rs/0.144.0',
        session_id: 's-1',
      },
      identity,
      ctx,
    );
    expect(Object.keys(out).sort()).toEqual(
      ['accept', 'authorization', 'chatgpt-account-id', 'content-type', 'session_id', 'user-agent', 'x-codex-installation-id', 'x-request-id'].sort(),
    );
    expect(out.authorization).toBe('Bearer at-secret');
    expect(out['chatgpt-account-id']).toBe('ws-123');
    expect(out['x-codex-installation-id']).toBe('inst-1');
    expect(out.session_id).toBe('s-1');
  });

  it('gives non-native clients the Codex CLI fingerprint and the ChatGPT-Account-Id casing', () => {
    const out = buildUpstreamHeaders(
      { 'user-agent': 'OpenAI/JS 7.55.0', 'x-stainless-lang': 'js', 'x-stainless-os': 'Linux', originator: 'sdk', version: '1', 'x-openai-client-id': 'c' },
      identity,
      ctx,
    );
    expect(out['user-agent']).toBe('codex_cli_rs/0.144.0 (Mac OS 26.5.0; arm64) iTerm.app/3.6.10');
    expect(out.originator).toBe('codex_cli_rs');
    expect(out.version).toBe('0.144.0');
    expect(out['ChatGPT-Account-Id']).toBe('ws-123');
    expect(out['chatgpt-account-id']).toBeUndefined();
    expect(Object.keys(out).filter((k) => k.startsWith('x-stainless-') || k === 'x-openai-client-id')).toEqual([]);
  });

  it('keeps native clients identity headers as sent', () => {
    const out = buildUpstreamHeaders({ 'user-agent': 'codex_cli_rs/0.150.0 (Linux)', originator: 'codex_cli_rs', version: '0.150.0' }, identity, ctx);
    expect(out['user-agent']).toBe('codex_cli_rs/0.150.0 (Linux)');
    expect(out.version).toBe('0.150.0');
  });

  it('omits the account header for synthetic email_/local_ ids', () => {
    for (const id of ['email_abc', 'local_abc', null]) {
      const out = buildUpstreamHeaders({}, { ...identity, chatgptAccountId: id }, ctx);
      expect(out['ChatGPT-Account-Id']).toBeUndefined();
    }
  });

  it('keeps the client request id, else adds ours', () => {
    expect(buildUpstreamHeaders({ 'x-request-id': 'theirs' }, identity, ctx)['x-request-id']).toBe('theirs');
    expect(buildUpstreamHeaders({ 'request-id': 'theirs' }, identity, ctx)['x-request-id']).toBeUndefined();
    expect(buildUpstreamHeaders({}, identity, ctx)['x-request-id']).toBe('req-1');
  });

  it('rewrites the installation id inside x-codex-turn-metadata', () => {
    const out = buildUpstreamHeaders(
      { 'user-agent': 'codex_cli_rs/1', 'x-codex-turn-metadata': JSON.stringify({ installation_id: 'mine', turn: 3 }) },
      identity,
      ctx,
    );
    expect(JSON.parse(out['x-codex-turn-metadata'] ?? '{}')).toEqual({ installation_id: 'inst-1', turn: 3 });
  });

  it('marks Responses-Lite bodies over HTTP', () => {
    expect(buildUpstreamHeaders({}, identity, { ...ctx, responsesLite: true })['x-openai-internal-codex-responses-lite']).toBe('true');
  });

  it('adds the websocket beta token once over WebSocket and drops HTTP body headers', () => {
    const out = buildUpstreamHeaders(
      { 'openai-beta': 'responses=experimental, responses_websockets=2026-02-06', accept: 'text/event-stream', 'sec-websocket-key': 'k' },
      identity,
      { ...ctx, transport: 'websocket' },
    );
    expect(out['openai-beta']).toBe('responses_websockets=2026-02-06');
    expect(out.accept).toBeUndefined();
    expect(out['sec-websocket-key']).toBeUndefined();
  });

  it('forwards only the headers the contract lists: never x-api-key or arbitrary x-* headers', () => {
    const codex = {
      'user-agent': 'codex_cli_rs/0.169.0',
      'x-codex-turn-state': 'ts',
      'x-codex-turn-metadata': '{}',
      'x-codex-beta-features': 'a',
      'x-codex-window-id': 'w',
      'x-openai-subagent': 'review',
      'thread-id': 't',
      conversation_id: 'c',
      'x-client-request-id': 'r',
      traceparent: '00-abc-def-01',
    };
    const out = buildUpstreamHeaders(
      { ...codex, 'x-api-key': 'sk-clb-leak', 'x-internal-secret': 's', 'x-codex-lb-anything': 'x', 'x-codex-bridge-target-instance': 'p', 'openai-organization': 'org', 'x-custom': '1', referer: 'https://evil.example', origin: 'https://evil.example' },
      identity,
      ctx,
    );
    expect(Object.keys(out).sort()).toEqual(
      [...Object.keys(codex), 'accept', 'authorization', 'chatgpt-account-id', 'content-type', 'x-codex-installation-id', 'x-request-id'].sort(),
    );
  });
});

describe('forwardableHeaders (what a forward to the session owner carries)', () => {
  it('keeps the session and identity headers and drops the client’s credentials, cookies and hops', () => {
    const out = forwardableHeaders({
      authorization: 'Bearer sk-clb-client-key',
      'x-api-key': 'sk-clb-client-key',
      cookie: 'session=1',
      'x-forwarded-for': '10.0.0.1',
      connection: 'keep-alive, thread-id',
      'thread-id': 'listed in Connection: a hop header',
      'session-id': 's',
      'user-agent': 'codex_exec/0.169.0',
      'x-codex-bridge-signature': 'forged',
    });
    expect(out).toEqual({ 'session-id': 's', 'user-agent': 'codex_exec/0.169.0' });
  });
});
