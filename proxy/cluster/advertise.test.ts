import { describe, expect, it } from 'vitest';
import { advertiseProblem, normalizeEndpoint } from './advertise.ts';
import type { RingMember } from './ring-store.ts';

const member = (instanceId: string, endpoint: string | null): RingMember => ({ instanceId, endpoint, processId: 'p', draining: false });

describe('advertiseProblem', () => {
  it('lets the first replica join with or without an advertise URL', () => {
    expect(advertiseProblem('a', null, [])).toBeUndefined();
    expect(advertiseProblem('a', 'http://localhost:2455', [member('a', 'http://localhost:2455')])).toBeUndefined();
  });

  it('refuses a URL another live replica already advertises', () => {
    expect(advertiseProblem('b', 'http://10.0.0.1:2455', [member('a', 'http://10.0.0.1:2455')])).toMatch(/already advertised by live replica a/);
  });

  it('refuses an unset or localhost URL when other replicas are live', () => {
    const live = [member('a', 'http://127.0.0.1:2455')];
    expect(advertiseProblem('b', null, live)).toMatch(/is unset but other replicas are live \(a\)/);
    expect(advertiseProblem('b', 'http://localhost:2456', live)).toMatch(/names no particular machine/);
    expect(advertiseProblem('b', 'http://0.0.0.0:2456', live)).toMatch(/names no particular machine/);
  });

  it('accepts distinct addresses on the loopback range as distinct replicas', () => {
    const live = [member('a', 'http://127.0.0.1:2455'), member('b', 'http://127.0.0.2:2455')];
    expect(advertiseProblem('c', 'http://127.0.0.3:2455', live)).toBeUndefined();
  });

  it('ignores its own previous row (a restart under the same instance id)', () => {
    expect(advertiseProblem('a', 'http://10.0.0.1:2455', [member('a', 'http://10.0.0.1:2455')])).toBeUndefined();
  });
});

describe('normalizeEndpoint', () => {
  it('compares URLs by origin and path, without a trailing slash', () => {
    expect(normalizeEndpoint('http://Pod-0.svc:2455/')).toBe('http://pod-0.svc:2455');
    expect(normalizeEndpoint('http://pod-0.svc:2455/base/')).toBe('http://pod-0.svc:2455/base');
  });
});
