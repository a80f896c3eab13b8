import { describe, expect, it } from 'vitest';
import { decodeContext, encodeContext, type ForwardContext } from './wire.ts';

const CONTEXT: ForwardContext = {
  route: 'codex',
  apiKeyId: null,
  requestId: 'req-1',
  budgetMs: 60_000,
  firstEventTimeoutMs: 20_000,
  surfaceStaleAnchor: false,
  ownerEpoch: 3,
};

const raw = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the forward context on the wire', () => {
  it('round-trips', () => {
    expect(decodeContext(encodeContext(CONTEXT))).toEqual(CONTEXT);
  });

  it('carries the first-event deadline as `probeMs`, the field replicas of the previous version read', () => {
    const wire = JSON.parse(Buffer.from(encodeContext(CONTEXT), 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(wire.probeMs).toBe(20_000);
    expect(wire).not.toHaveProperty('firstEventTimeoutMs');
  });

  it('reads a context from a replica of the previous version', () => {
    const { firstEventTimeoutMs: _deadline, ...previous } = CONTEXT;
    expect(decodeContext(raw({ ...previous, probeMs: 10_000 }))).toEqual({ ...CONTEXT, firstEventTimeoutMs: 10_000 });
  });

  it('refuses a context without it', () => {
    const { firstEventTimeoutMs: _deadline, ...incomplete } = CONTEXT;
    expect(decodeContext(raw(incomplete))).toBeUndefined();
  });
});
