import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../runtime/kube/types.ts';
import { observeFinished } from './jobs.ts';

const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'lb-migrate-1', uid: 'job-uid' }, status: { conditions: [{ type: 'Failed', status: 'True' }] } };
const pod = (name: string, ownerUid: string, created: string, exitCode: number, message: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, creationTimestamp: created, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'lb-migrate-1', uid: ownerUid, controller: true }] },
  status: { containerStatuses: [{ name: 'migrate', state: { terminated: { exitCode, message } } }] },
});

describe('observeFinished', () => {
  it('reads the newest pod the Job controls, ignoring look-alike pods controlled by anything else', () => {
    const pods = [
      pod('lb-migrate-1-a', 'job-uid', '2026-01-01T00:00:00Z', 3, 'migration_error=database_unreachable'),
      pod('lb-migrate-1-b', 'job-uid', '2026-01-01T00:01:00Z', 5, 'migration_error=encryption_key_mismatch'),
      pod('lb-migrate-1-forged', 'someone-else', '2026-01-01T00:02:00Z', 0, 'current_revision=evil'),
    ];
    expect(observeFinished(job, pods)).toEqual({ phase: 'Failed', exitCode: 5, message: 'migration_error=encryption_key_mismatch' });
  });
});
