import { describe, expect, it } from 'vitest';
import { planImport, type ImportInputs } from './import-plan.ts';

const base: ImportInputs = { importPolicy: 'OnSecretChange', seedHash: 'sha256:aaaa', importedHash: 'sha256:aaaa', inPool: true };

describe('planImport', () => {
  it('never re-imports an unchanged Secret: the pool holds the rotated refresh token', () => {
    expect(planImport(base)).toEqual({ kind: 'none' });
    expect(planImport({ ...base, importPolicy: 'Once' })).toEqual({ kind: 'none' });
    expect(planImport({ ...base, importPolicy: 'Never' })).toEqual({ kind: 'none' });
  });

  it('replaces the tokens when the Secret changed (a new codex login), with OnSecretChange only', () => {
    const changed = { ...base, seedHash: 'sha256:bbbb' };
    expect(planImport(changed)).toMatchObject({ kind: 'import', why: 'changed', policy: { onExisting: 'replace', createMissing: true } });
    expect(planImport({ ...changed, importPolicy: 'Once' })).toEqual({ kind: 'none' });
  });

  it('on first sight (or a lost status) lets the proxy keep tokens newer than the Secret', () => {
    for (const inPool of [true, false]) {
      for (const importPolicy of ['OnSecretChange', 'Once'] as const) {
        expect(planImport({ ...base, importPolicy, inPool, importedHash: undefined })).toMatchObject({
          kind: 'import',
          why: 'first',
          policy: { onExisting: 'keepNewer', createMissing: true },
        });
      }
    }
  });

  it('puts an account removed from the pool back (OnSecretChange) or reports it (Once)', () => {
    expect(planImport({ ...base, inPool: false })).toMatchObject({ kind: 'import', why: 'missing', policy: { onExisting: 'keepNewer' } });
    expect(planImport({ ...base, inPool: false, importPolicy: 'Once' })).toMatchObject({ kind: 'problem', problem: { reason: 'AccountNotInPool' } });
  });

  it('with Never only looks the account up, again whenever the Secret changes', () => {
    const lookup = { kind: 'import', why: 'lookup', policy: { onExisting: 'keep', createMissing: false } };
    expect(planImport({ ...base, importPolicy: 'Never', importedHash: undefined })).toMatchObject(lookup);
    expect(planImport({ ...base, importPolicy: 'Never', inPool: false })).toMatchObject(lookup);
    expect(planImport({ ...base, importPolicy: 'Never', seedHash: 'sha256:cccc' })).toMatchObject(lookup);
  });
});
