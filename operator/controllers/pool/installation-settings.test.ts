import { describe, expect, it } from 'vitest';
import { canonicalIp, planIsEmpty, planSettings, upstreamAllowlist, UntranslatableAllowlist } from './installation-settings.ts';

describe('upstreamAllowlist', () => {
  it('keeps single addresses (a /32 or /128 is its address), canonical and sorted, without duplicates', () => {
    expect(upstreamAllowlist(['10.0.0.7', '10.0.0.5/32', '2001:DB8:0::1/128', '10.0.0.7'])).toEqual(['10.0.0.5', '10.0.0.7', '2001:db8::1']);
    expect(upstreamAllowlist([])).toEqual([]);
  });

  it('refuses wider CIDRs, naming each one, instead of dropping them', () => {
    const attempt = () => upstreamAllowlist(['10.0.0.1', '10.0.0.0/24', 'fd00::/64']);
    expect(attempt).toThrow(UntranslatableAllowlist);
    expect(attempt).toThrow(/10\.0\.0\.0\/24, fd00::\/64/);
  });

  it('prints IPv6 the way upstream stores it', () => {
    expect(canonicalIp('::0001')).toBe('::1');
    expect(canonicalIp('not-an-ip')).toBeUndefined();
  });
});

describe('planSettings', () => {
  it('changes only what differs', () => {
    const current = { apiKeyAuthEnabled: false, firewallAllowlist: ['10.0.0.1', '10.0.0.2'] };
    expect(planSettings(current, { apiKeyAuthEnabled: true, firewallAllowlist: ['10.0.0.2', '10.0.0.3'] })).toEqual({
      apiKeyAuthEnabled: true,
      addIps: ['10.0.0.3'],
      removeIps: ['10.0.0.1'],
    });
    const same = planSettings(current, { ...current });
    expect(same).toEqual({ addIps: [], removeIps: [] });
    expect(planIsEmpty(same)).toBe(true);
  });
});
