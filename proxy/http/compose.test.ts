import { describe, expect, it } from 'vitest';
import { loadSettings } from '../config/settings.ts';
import { httpSettingsFrom, upstreamConnections } from './compose.ts';

describe('httpSettingsFrom', () => {
  it('holds Responses bodies to the upstream response.create cap by default (15 MiB), other bodies to 32 MiB', () => {
    const http = httpSettingsFrom(loadSettings({}));
    expect(http.maxResponsesBodyBytes).toBe(15_728_640);
    expect(http.maxBodyBytes).toBe(32 * 1024 * 1024);
    expect(httpSettingsFrom(loadSettings({ CODEX_LB_MAX_DECOMPRESSED_RESPONSES_BODY_BYTES: '1000' })).maxResponsesBodyBytes).toBe(1000);
  });

  it('turns the request timeouts into milliseconds', () => {
    const http = httpSettingsFrom(loadSettings({ CODEX_LB_REQUEST_HEADERS_TIMEOUT_SECONDS: '1.5' }));
    expect([http.headersTimeoutMs, http.requestTimeoutMs, http.websocketQueueLimit]).toEqual([1500, 300_000, 8]);
  });
});

describe('upstreamConnections', () => {
  it('opens at most 50 connections to the ChatGPT backend by default (upstream codex-lb\'s 100 / 50)', () => {
    expect(upstreamConnections(loadSettings({}))).toBe(50);
  });

  it('honours the overall limit when it is the smaller one', () => {
    expect(upstreamConnections(loadSettings({ CODEX_LB_HTTP_CONNECTOR_LIMIT: '20' }))).toBe(20);
    expect(upstreamConnections(loadSettings({ CODEX_LB_HTTP_CONNECTOR_LIMIT: '500', CODEX_LB_HTTP_CONNECTOR_LIMIT_PER_HOST: '300' }))).toBe(300);
  });
});
