import { describe, expect, it } from 'vitest';
import { keyMismatchIn, keyMismatchProblem, type PodView } from './pod-problems.ts';

function pod(name: string, status: PodView['status']): PodView {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, status };
}
const mismatch = { exitCode: 5, message: 'startup_error=encryption_key_mismatch\n' };

describe('key mismatch from pod status', () => {
  it('finds it in a container that stopped now, or in its previous run (CrashLoopBackOff)', () => {
    expect(keyMismatchIn([pod('lb-0', { containerStatuses: [{ name: 'codex-lb', state: { terminated: mismatch } }] })])).toEqual({ pod: 'lb-0', container: 'codex-lb' });
    const looping = pod('lb-1', { containerStatuses: [{ name: 'codex-lb', state: {}, lastState: { terminated: mismatch } }] });
    expect(keyMismatchIn([pod('lb-0', { containerStatuses: [{ name: 'codex-lb', state: {} }] }), looping])).toEqual({ pod: 'lb-1', container: 'codex-lb' });
  });

  it('reads the migration Job line and init containers too', () => {
    const job = pod('lb-migrate-1-x', { initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 5, message: 'migration_error=encryption_key_mismatch' } } }] });
    expect(keyMismatchIn([job])).toEqual({ pod: 'lb-migrate-1-x', container: 'migrate' });
  });

  it('ignores other failures and running pods', () => {
    const others = [
      pod('a', { containerStatuses: [{ name: 'codex-lb', lastState: { terminated: { exitCode: 1, message: 'migration_error=database_unreachable' } } }] }),
      pod('b', { containerStatuses: [{ name: 'codex-lb', state: {} }] }),
      pod('c', undefined),
    ];
    expect(keyMismatchIn(others)).toBeUndefined();
  });

  it('says which Secret holds the wrong key and what to do, never the key', () => {
    const problem = keyMismatchProblem('pod lb-0 (container codex-lb)', { name: 'lb-encryption', key: 'encryption-key' });
    expect(problem.reason).toBe('EncryptionKeyLost');
    expect(problem.message).toBe(
      'pod lb-0 (container codex-lb) refused to start: the key in Secret "lb-encryption" (key "encryption-key") is not the key this ' +
        'database was encrypted with, so the stored account tokens cannot be decrypted. Restore the original key into that Secret ' +
        '(from a backup); the rollout resumes once it matches. Pods still running keep the old key.',
    );
  });
});
