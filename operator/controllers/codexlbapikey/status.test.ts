import { describe, expect, it } from 'vitest';
import type { CodexLBAPIKey } from '../../api/crds.ts';
import type { PoolApiKey } from '../pool/admin-types.ts';
import { keyStatus } from './status.ts';

const now = new Date('2026-08-22T10:00:00Z');
const cr: CodexLBAPIKey = {
  apiVersion: 'codexlb.io/v1alpha1',
  kind: 'CodexLBAPIKey',
  metadata: { name: 'ci', namespace: 'codex', generation: 3 },
  spec: { codexLBRef: { name: 'lb' }, secret: { name: 'ci-key', key: 'api-key' }, rotationGracePeriodSeconds: 600 },
};
const key: PoolApiKey = {
  id: 'k1',
  name: 'codex/ci',
  prefix: 'sk-clb-abcdefgh',
  allowedModels: null,
  limits: [
    { id: 'l1', limitType: 'total_tokens', limitWindow: 'weekly', maxValue: 1000, currentValue: 250, modelFilter: null, resetAt: '2026-08-29T10:00:00.000Z' },
    { id: 'l2', limitType: 'cost_usd', limitWindow: 'daily', maxValue: 2_000_000, currentValue: 500_000, modelFilter: 'gpt-5.4', resetAt: '2026-08-23T10:00:00.000Z' },
  ],
  expiresAt: null,
  active: true,
  createdAt: '2026-08-01T00:00:00.000Z',
};

describe('CodexLBAPIKey status', () => {
  it('names the key by id and prefix only, and shows each limit in the spec units', () => {
    const s = keyStatus({ cr, now, key, rotationToken: 'r1' });
    expect(s).toMatchObject({
      observedGeneration: 3,
      keyId: 'k1',
      prefix: 'sk-clb-abcdefgh',
      secretName: 'ci-key',
      rotationToken: 'r1',
      usage: [
        { type: 'total_tokens', window: 'weekly', used: 250, max: 1000 },
        { type: 'cost_usd', window: 'daily', model: 'gpt-5.4', used: 0.5, max: 2 },
      ],
    });
    expect(s.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'KeyIssued' });
  });

  it('is not Ready once the key expired', () => {
    const s = keyStatus({ cr, now, key: { ...key, expiresAt: '2026-08-22T09:00:00.000Z' } });
    expect(s.conditions?.[0]).toMatchObject({ status: 'False', reason: 'Expired' });
  });
});
