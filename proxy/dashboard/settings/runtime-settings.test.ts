import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING, effectiveRouting, routingChanges } from './runtime-settings.ts';

const unset = { routingStrategy: null, stickyThreadsEnabled: null, preferEarlierResetAccounts: null };

describe('run-time routing settings', () => {
  it("takes the dashboard's value where it set one, the environment's otherwise, and always for a pinned field", () => {
    expect(effectiveRouting(unset, DEFAULT_ROUTING, new Set())).toEqual(DEFAULT_ROUTING);
    const stored = { ...unset, routingStrategy: 'round_robin', stickyThreadsEnabled: false };
    expect(effectiveRouting(stored, DEFAULT_ROUTING, new Set())).toMatchObject({ routingStrategy: 'round_robin', stickyThreadsEnabled: false });
    expect(effectiveRouting(stored, DEFAULT_ROUTING, new Set(['routingStrategy']))).toMatchObject({ routingStrategy: 'capacity_weighted', stickyThreadsEnabled: false });
  });

  it('accepts known settings with valid values, refuses the rest (422) and pinned ones (409)', () => {
    expect(routingChanges({ routingStrategy: 'round_robin', stickyThreadsEnabled: true, expectedVersion: 3 }, new Set())).toEqual({ routingStrategy: 'round_robin', stickyThreadsEnabled: true });
    expect(() => routingChanges({ routingStrategy: 'fastest' }, new Set())).toThrow(expect.objectContaining({ status: 422 }));
    expect(() => routingChanges({ stickyThreadsEnabled: 'yes' }, new Set())).toThrow(expect.objectContaining({ status: 422 }));
    expect(() => routingChanges({ somethingElse: 1 }, new Set())).toThrow(expect.objectContaining({ status: 422 }));
    expect(() => routingChanges({ routingStrategy: 'round_robin' }, new Set(['routingStrategy']))).toThrow(
      expect.objectContaining({ status: 409, code: 'setting_pinned', message: "routingStrategy is set by CODEX_LB_ROUTING_STRATEGY in the proxy's environment" }),
    );
  });
});
