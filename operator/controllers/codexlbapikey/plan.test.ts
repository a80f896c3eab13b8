import { describe, expect, it } from 'vitest';
import type { CodexLBAPIKey } from '../../api/crds.ts';
import type { PoolApiKey } from '../pool/admin-types.ts';
import { nextRevocation, planKey, type KeyPlanInputs } from './plan.ts';

const now = new Date('2026-08-22T10:00:00Z');
const cr = (spec: Partial<CodexLBAPIKey['spec']> = {}, status?: CodexLBAPIKey['status']): CodexLBAPIKey => ({
  apiVersion: 'codexlb.io/v1alpha1',
  kind: 'CodexLBAPIKey',
  metadata: { name: 'ci', namespace: 'codex', uid: 'u1', generation: 1 },
  spec: { codexLBRef: { name: 'lb' }, secret: { name: 'ci-key', key: 'api-key' }, rotationGracePeriodSeconds: 600, ...spec },
  status,
});
const key = (id: string, over: Partial<PoolApiKey> = {}): PoolApiKey => ({
  id,
  name: 'codex/ci',
  prefix: `sk-clb-${id}`,
  allowedModels: null,
  limits: [],
  expiresAt: null,
  active: true,
  createdAt: '2026-08-01T00:00:00.000Z',
  ...over,
});
const held = (keyId: string, rotationToken = '') => ({ keyId, rotationToken, holdsKey: true });
const plan = (i: Partial<KeyPlanInputs>) => planKey({ cr: cr(), now, keys: [], ...i });

describe('planKey', () => {
  it('issues the first key', () => {
    expect(plan({})).toEqual({ issue: 'first', current: undefined, previous: [], revoke: [] });
  });

  it('does nothing while the Secret holds the current key and the settings match', () => {
    expect(plan({ cr: cr({}, { keyId: 'k1' }), keys: [key('k1')], secret: held('k1') })).toEqual({ current: key('k1'), previous: [], revoke: [], update: undefined });
  });

  it('rotates when rotationToken changes, keeping the old key for the grace period', () => {
    const p = plan({ cr: cr({ rotationToken: 'r2' }, { keyId: 'k1', rotationToken: 'r1' }), keys: [key('k1')], secret: held('k1', 'r1') });
    expect(p.issue).toBe('rotation');
    expect(p.previous).toEqual([{ keyId: 'k1', prefix: 'sk-clb-k1', revokeAt: '2026-08-22T10:10:00.000Z' }]);
    expect(p.revoke).toEqual([]);
  });

  it('revokes a rotated-out key once its grace period has passed, and forgets keys already gone', () => {
    const status = { keyId: 'k2', previousKeys: [{ keyId: 'k1', revokeAt: '2026-08-22T09:59:59Z' }, { keyId: 'k0', revokeAt: '2026-08-22T09:00:00Z' }] };
    const p = plan({ cr: cr({}, status), keys: [key('k1'), key('k2')], secret: held('k2') });
    expect(p).toMatchObject({ issue: undefined, previous: [], revoke: ['k1'] });
  });

  it('issues a new key when the Secret was deleted (the old one stays valid for the grace period) or the key left the pool', () => {
    const lost = plan({ cr: cr({}, { keyId: 'k1' }), keys: [key('k1')] });
    expect(lost).toMatchObject({ issue: 'secret-lost', previous: [{ keyId: 'k1' }] });
    const emptied = plan({ cr: cr({}, { keyId: 'k1' }), keys: [key('k1')], secret: { keyId: 'k1', holdsKey: false } });
    expect(emptied.issue).toBe('secret-lost');
    expect(plan({ cr: cr({}, { keyId: 'k1' }), keys: [], secret: held('k1') })).toMatchObject({ issue: 'key-missing', previous: [] });
  });

  it('trusts the Secret over a status that missed the last write (crash between the two)', () => {
    const p = plan({ cr: cr({ rotationToken: 'r2' }, { keyId: 'k1', rotationToken: 'r1' }), keys: [key('k1'), key('k2')], secret: held('k2', 'r2') });
    expect(p).toMatchObject({ issue: undefined, current: { id: 'k2' }, previous: [{ keyId: 'k1' }] });
  });

  it('puts drifted settings back (cost limits in micro-dollars)', () => {
    const spec = { allowedModels: ['gpt-5.4'], limits: [{ type: 'cost_usd' as const, window: 'weekly' as const, max: 12.5 }] };
    const p = plan({ cr: cr(spec, { keyId: 'k1' }), keys: [key('k1', { name: 'edited' })], secret: held('k1') });
    expect(p.update).toEqual({
      name: 'codex/ci',
      allowedModels: ['gpt-5.4'],
      limits: [{ limitType: 'cost_usd', limitWindow: 'weekly', maxValue: 12_500_000, modelFilter: null }],
    });
  });

  it('schedules the next pass at the earliest revocation', () => {
    expect(nextRevocation([{ keyId: 'a', revokeAt: '2026-08-22T10:05:00Z' }, { keyId: 'b', revokeAt: '2026-08-22T10:01:00Z' }], now)).toBe(60_000);
    expect(nextRevocation([], now)).toBeUndefined();
  });
});
