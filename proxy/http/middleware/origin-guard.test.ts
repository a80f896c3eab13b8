import { describe, expect, it } from 'vitest';
import { checkOrigin, originPolicy } from './origin-guard.ts';

const refused = expect.objectContaining({ status: 403, code: 'origin_not_allowed', type: 'permission_error' });

describe('checkOrigin', () => {
  const policy = originPolicy(['https://app.example.com']);

  it('lets clients without an Origin (CLI, SDKs, curl) through on every method', () => {
    for (const method of ['GET', 'POST', 'DELETE']) expect(() => checkOrigin(method, {}, policy)).not.toThrow();
    expect(() => checkOrigin('GET', {}, policy, true)).not.toThrow();
  });

  it('refuses a foreign origin on WebSocket upgrades and state-changing methods, not on reads', () => {
    const foreign = { origin: 'https://evil.example' };
    expect(() => checkOrigin('GET', foreign, policy, true)).toThrow(refused);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(() => checkOrigin(method, foreign, policy)).toThrow(refused);
    for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(() => checkOrigin(method, foreign, policy)).not.toThrow();
  });

  it('accepts listed origins (case-insensitively) and refuses "null" and look-alikes', () => {
    expect(() => checkOrigin('POST', { origin: 'https://APP.example.com' }, policy)).not.toThrow();
    for (const origin of ['null', 'https://app.example.com.evil.example', 'http://app.example.com', 'https://app.example.com:8443']) {
      expect(() => checkOrigin('POST', { origin }, policy)).toThrow(refused);
    }
  });

  it('with * allows every origin', () => {
    expect(() => checkOrigin('POST', { origin: 'https://anything.example' }, originPolicy(['*']), true)).not.toThrow();
  });
});

describe('checkOrigin on dashboard paths (same origin allowed)', () => {
  const policy = originPolicy([]);

  it('accepts the page of the host the request was sent to, on any scheme (TLS may end at an ingress)', () => {
    expect(() => checkOrigin('POST', { origin: 'http://localhost:2455', host: 'localhost:2455' }, policy, false, true)).not.toThrow();
    expect(() => checkOrigin('POST', { origin: 'https://dash.example.com', host: 'dash.example.com' }, policy, false, true)).not.toThrow();
    expect(() => checkOrigin('POST', { origin: 'https://dash.example.com', host: 'dash.example.com:443' }, policy, false, true)).not.toThrow();
  });

  it('refuses another host, another port, "null", and the same origin where it is not allowed', () => {
    for (const origin of ['http://localhost:8080', 'https://evil.example', 'null', 'file://localhost']) {
      expect(() => checkOrigin('POST', { origin, host: 'localhost:2455' }, policy, false, true)).toThrow(refused);
    }
    expect(() => checkOrigin('POST', { origin: 'http://localhost:2455' }, policy, false, true)).toThrow(refused);
    expect(() => checkOrigin('POST', { origin: 'http://localhost:2455', host: 'localhost:2455' }, policy)).toThrow(refused);
  });
});
