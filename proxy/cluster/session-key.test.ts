import { describe, expect, it } from 'vitest';
import { mintTurnState } from '../routing/affinity.ts';
import { sessionKeyOf } from './session-key.ts';

describe('sessionKeyOf', () => {
  it('keys a Codex CLI request by its thread, the same on every turn whatever else changes', () => {
    const turn1 = sessionKeyOf({ 'thread-id': 'T1', 'session-id': 'T1' }, 'key-a');
    const turn2 = sessionKeyOf({ 'thread-id': 'T1', 'session-id': 'T1', 'x-codex-turn-state': mintTurnState('http_turn') }, 'key-a');
    expect(turn1?.kind).toBe('thread');
    expect(turn2).toEqual(turn1);
    expect(turn1?.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('falls back to the session headers, then to a turn state the client got from the backend', () => {
    expect(sessionKeyOf({ session_id: 'S' }, undefined)?.kind).toBe('session');
    expect(sessionKeyOf({ 'x-codex-conversation-id': 'C' }, undefined)?.kind).toBe('session');
    expect(sessionKeyOf({ 'x-codex-turn-state': 'backend-state-1' }, undefined)?.kind).toBe('turn_state');
  });

  it('has no key for requests without a hard identifier, or with only a turn state this proxy minted', () => {
    expect(sessionKeyOf({}, undefined)).toBeUndefined();
    expect(sessionKeyOf({ 'x-codex-turn-state': mintTurnState('turn') }, undefined)).toBeUndefined();
    expect(sessionKeyOf({ 'thread-id': '  ' }, undefined)).toBeUndefined();
  });

  it('scopes keys to the API key, so one tenant cannot name another tenant’s session', () => {
    expect(sessionKeyOf({ 'thread-id': 'T' }, 'key-a')?.id).not.toBe(sessionKeyOf({ 'thread-id': 'T' }, 'key-b')?.id);
    expect(sessionKeyOf({ 'thread-id': 'T' }, undefined)?.id).not.toBe(sessionKeyOf({ 'session-id': 'T' }, undefined)?.id);
  });
});
