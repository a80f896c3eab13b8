import { describe, expect, it } from 'vitest';
import { blockListOf, isLocalRequest, normalizeIp, resolveClientIp, type ProxyTrust } from './client-ip.ts';

const trusting: ProxyTrust = { trustProxyHeaders: true, trustedProxies: blockListOf(['127.0.0.1/32', '10.0.0.0/8', '::1/128']) };
const ignoring: ProxyTrust = { ...trusting, trustProxyHeaders: false };

describe('normalizeIp', () => {
  it.each([
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['[::1]:8080', '::1'],
    ['203.0.113.9:443', '203.0.113.9'],
    ['2001:DB8::1', '2001:db8::1'],
    ['not-an-ip', undefined],
    [undefined, undefined],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeIp(raw)).toBe(expected);
  });
});

describe('resolveClientIp', () => {
  it('uses the socket peer when forwarding headers are not trusted', () => {
    expect(resolveClientIp('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }, ignoring)).toBe('127.0.0.1');
  });

  it('uses the socket peer when the peer is not a trusted proxy', () => {
    expect(resolveClientIp('198.51.100.7', { 'x-forwarded-for': '203.0.113.9' }, trusting)).toBe('198.51.100.7');
  });

  it('walks X-Forwarded-For right to left past trusted hops', () => {
    expect(resolveClientIp('10.0.0.2', { 'x-forwarded-for': '198.51.100.1, 203.0.113.9, 10.3.3.3' }, trusting)).toBe('203.0.113.9');
  });

  it('resolves nothing when the chain holds garbage before an untrusted hop', () => {
    expect(resolveClientIp('10.0.0.2', { 'x-forwarded-for': 'evil, 10.3.3.3' }, trusting)).toBeUndefined();
  });

  it('falls back to RFC 7239 Forwarded: for=', () => {
    expect(resolveClientIp('127.0.0.1', { forwarded: 'for="[2001:db8::7]";proto=https' }, trusting)).toBe('2001:db8::7');
  });
});

describe('isLocalRequest', () => {
  it('needs a loopback client, a local Host and no forwarding headers', () => {
    expect(isLocalRequest('127.0.0.1', { host: 'localhost:2455' }, false)).toBe(true);
    expect(isLocalRequest('127.0.0.1', { host: 'proxy.example.com' }, false)).toBe(false);
    expect(isLocalRequest('10.0.0.9', { host: 'localhost' }, false)).toBe(false);
    expect(isLocalRequest('127.0.0.1', { host: 'localhost', 'x-real-ip': '203.0.113.1' }, false)).toBe(false);
  });
});
