import { describe, expect, it } from 'vitest';
import type { CodexLB } from '../../api/crds.ts';
import { admitOffline } from '../../api/defaults.ts';
import { generateFernetKey, isFernetKey, referencedSecretNames, secretReferences } from './secrets.ts';

const cr = (spec: Record<string, unknown>) =>
  admitOffline({ apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name: 'lb' }, spec } as unknown as CodexLB);

describe('Fernet keys', () => {
  it('generates 32 random bytes in padded URL-safe base64, as Python cryptography expects', () => {
    const key = generateFernetKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    expect(generateFernetKey()).not.toBe(key);
    expect(isFernetKey(key)).toBe(true);
  });

  it.each(['', 'short', 'A'.repeat(44), `${'A'.repeat(42)}+/=`])('rejects %j', (value) => {
    expect(isFernetKey(value)).toBe(false);
  });
});

describe('referenced Secrets', () => {
  it('lists every Secret the spec names, with the field naming it, so each one needs its owner\'s consent', () => {
    const spec = {
      topology: { mode: 'Replicated', replicas: 2 },
      image: { pullSecrets: [{ name: 'registry' }] },
      database: { type: 'PostgreSQL', postgres: { host: 'db', passwordSecretRef: { name: 'pw' } } },
      encryption: { source: 'SecretRef', secretRef: { name: 'key' } },
      env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'extra', key: 't', optional: true } } }],
      envFrom: [{ configMapRef: { name: 'not-a-secret' } }, { secretRef: { name: 'bulk' } }],
    };
    expect(secretReferences(cr(spec))).toEqual([
      { name: 'key', field: 'encryption.secretRef', key: 'encryption-key', read: true },
      { name: 'pw', field: 'database.postgres.passwordSecretRef', key: 'password', read: true },
      { name: 'extra', field: 'env[TOKEN].valueFrom.secretKeyRef', key: 't', read: true, optional: true },
      { name: 'bulk', field: 'envFrom[1].secretRef', read: true, optional: undefined },
      { name: 'registry', field: 'image.pullSecrets[0]', read: false },
    ]);
    expect(referencedSecretNames(cr(spec))).toEqual(['key', 'pw', 'extra', 'bulk', 'registry']);
  });

  it('watches the generated key Secret so its deletion is noticed', () => {
    expect(referencedSecretNames(cr({}))).toEqual(['lb-encryption']);
  });
});
