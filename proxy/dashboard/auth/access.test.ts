import { describe, expect, it } from 'vitest';
import { entryFor, sessionHolds } from './access.ts';

const local = { local: true, trustedUser: undefined };
const remote = { local: false, trustedUser: undefined };
const proxied = (user: string) => ({ local: false, trustedUser: user });

describe('entryFor: who may open a dashboard session', () => {
  it('standard mode without a password: local callers enter, remote ones must bootstrap', () => {
    expect(entryFor('standard', false, local)).toEqual({ kind: 'open', method: 'local', subject: 'local' });
    expect(entryFor('standard', false, remote)).toEqual({ kind: 'bootstrap' });
  });

  it('standard mode with a password: everyone logs in with it, local callers too', () => {
    expect(entryFor('standard', true, local)).toEqual({ kind: 'password' });
    expect(entryFor('standard', true, remote)).toEqual({ kind: 'password' });
  });

  it('trusted_header mode: only the user a trusted proxy names', () => {
    expect(entryFor('trusted_header', false, proxied('ada'))).toEqual({ kind: 'open', method: 'trusted_header', subject: 'ada' });
    expect(entryFor('trusted_header', true, local)).toEqual({ kind: 'proxy_auth' });
  });

  it('disabled mode: anyone', () => {
    expect(entryFor('disabled', true, remote)).toEqual({ kind: 'open', method: 'disabled', subject: 'anonymous' });
  });
});

describe('sessionHolds: an open session counts only while its way in still applies', () => {
  it('a local session ends when a password is set or the caller is not local', () => {
    expect(sessionHolds('local', 'local', 'standard', false, local)).toBe(true);
    expect(sessionHolds('local', 'local', 'standard', true, local)).toBe(false);
    expect(sessionHolds('local', 'local', 'standard', false, remote)).toBe(false);
  });

  it('a trusted-header session needs the same user from the trusted proxy on every request', () => {
    expect(sessionHolds('trusted_header', 'ada', 'trusted_header', false, proxied('ada'))).toBe(true);
    expect(sessionHolds('trusted_header', 'ada', 'trusted_header', false, proxied('bob'))).toBe(false);
    expect(sessionHolds('trusted_header', 'ada', 'trusted_header', false, remote)).toBe(false);
  });

  it('a session opened under one mode does not survive a restart in another', () => {
    expect(sessionHolds('disabled', 'anonymous', 'standard', false, local)).toBe(false);
    expect(sessionHolds('password', 'admin', 'disabled', true, local)).toBe(false);
    expect(sessionHolds('password', 'admin', 'standard', true, remote)).toBe(true);
  });
});
