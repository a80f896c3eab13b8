import { describe, expect, it } from 'vitest';
import { parseRevision, planMigration, type MigrationInputs } from './migration.ts';

const base: MigrationInputs = { strategy: 'Job', desiredImage: 'img:2', target: 't1', jobName: 'lb-migrate-aaaa' };
const migratedOnOne = { migratedImage: 'img:1', migratedTarget: 't1', revision: '0001', job: 'lb-migrate-old' };

describe('planMigration', () => {
  it('lets SQLite (Startup) roll straight to the desired image without a Job', () => {
    expect(planMigration({ ...base, strategy: 'Startup' })).toEqual({ state: 'Startup', workloadImage: 'img:2', schema: undefined });
  });

  it('creates the Job and renders no workload on a first install', () => {
    expect(planMigration(base)).toEqual({ state: 'Running', job: { name: 'lb-migrate-aaaa', image: 'img:2' }, schema: undefined });
  });

  it('keeps the workload untouched while a new image migrates', () => {
    const plan = planMigration({ ...base, previous: migratedOnOne, observation: { phase: 'Running' } });
    expect(plan.state).toBe('Running');
    expect(plan.workloadImage).toBeUndefined();
    expect(plan.schema).toBe(migratedOnOne);
  });

  it('rolls out and records the migration once the Job succeeded', () => {
    const plan = planMigration({ ...base, previous: migratedOnOne, observation: { phase: 'Succeeded', exitCode: 0, message: 'current_revision=0002_usage\n' } });
    expect(plan).toEqual({
      state: 'Succeeded',
      workloadImage: 'img:2',
      schema: { migratedImage: 'img:2', migratedTarget: 't1', revision: '0002_usage', job: 'lb-migrate-aaaa' },
    });
  });

  it('does nothing once the desired image and target are migrated', () => {
    const done = { ...migratedOnOne, migratedImage: 'img:2' };
    expect(planMigration({ ...base, previous: done })).toEqual({ state: 'UpToDate', workloadImage: 'img:2', schema: done });
  });

  it('migrates again when the database target changes under the same image', () => {
    const done = { ...migratedOnOne, migratedImage: 'img:2' };
    expect(planMigration({ ...base, target: 't2', previous: done }).state).toBe('Running');
  });

  it.each([
    [1, 'MigrationFailed', 'migration Job lb-migrate-aaaa failed (exit code 1): relation "x" already exists'],
    [3, 'DatabaseUnreachable', 'migration Job lb-migrate-aaaa could not reach the database: relation "x" already exists'],
    [4, 'SchemaAhead', 'migration Job lb-migrate-aaaa: the database schema is newer than this image (downgrade?): relation "x" already exists'],
  ])('holds the rollout when the Job fails with exit code %i (%s)', (exitCode, reason, message) => {
    const plan = planMigration({ ...base, previous: migratedOnOne, observation: { phase: 'Failed', exitCode, message: 'relation "x" already exists\ntrace...' } });
    expect(plan.state).toBe('Failed');
    expect(plan.workloadImage).toBeUndefined();
    expect(plan.job).toEqual({ name: 'lb-migrate-aaaa', image: 'img:2' });
    expect(plan.failure).toEqual({ reason, message });
  });
});

describe('a migration Job that found the wrong encryption key', () => {
  it.each([
    ['its exit code', { exitCode: 5 }],
    ['its termination message', { exitCode: 1, message: 'migration_error=encryption_key_mismatch' }],
  ])('holds the rollout and reports EncryptionKeyLost, recognised by %s', (_by, pod) => {
    const plan = planMigration({
      ...base,
      previous: migratedOnOne,
      target: 't2',
      encryptionKey: { name: 'lb-encryption', key: 'encryption-key' },
      observation: { phase: 'Failed', ...pod },
    });
    expect(plan.state).toBe('Failed');
    expect(plan.workloadImage).toBeUndefined();
    expect(plan.failure?.reason).toBe('EncryptionKeyLost');
    expect(plan.failure?.message).toMatch(/^migration Job lb-migrate-aaaa refused to start: the key in Secret "lb-encryption" \(key "encryption-key"\)/);
  });
});

describe('parseRevision', () => {
  it('reads the revision line of migrate upgrade', () => {
    expect(parseRevision('migrating...\ncurrent_revision=20260101_init\n')).toBe('20260101_init');
    expect(parseRevision('no revision here')).toBeUndefined();
  });
});
