import { describe, expect, it } from 'vitest';
import type { CodexLB } from '../../api/crds.ts';
import { admitOffline } from '../../api/defaults.ts';
import { generateFernetKey, isFernetKey, referencedSecretNames, userSecretRefs } from './secrets.ts';

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
  it('lists every Secret the spec reads, including env and envFrom', () => {
    const spec = {
      topology: { mode: 'Replicated', replicas: 2 },
      database: { type: 'PostgreSQL', postgres: { host: 'db', passwordSecretRef: { name: 'pw' } } },
      encryption: { source: 'SecretRef', secretRef: { name: 'key' } },
      env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'extra', key: 't' } } }],
      envFrom: [{ secretRef: { name: 'bulk' } }, { configMapRef: { name: 'not-a-secret' } }],
    };
    expect(userSecretRefs(cr(spec))).toEqual([{ name: 'extra', key: 't' }, { name: 'bulk' }]);
    expect(referencedSecretNames(cr(spec))).toEqual(['key', 'pw', 'extra', 'bulk']);
  });

  it('watches the generated key Secret so its deletion is noticed', () => {
    expect(referencedSecretNames(cr({}))).toEqual(['lb-encryption']);
  });
});
