import { describe, expect, it } from 'vitest';
import { isMintedTurnState, mintTurnState, resolveAffinity } from './affinity.ts';

const codex = { route: 'codex' as const, apiKeyId: undefined, promptCacheTtlSeconds: 1800 };
const openai = { ...codex, route: 'openai' as const };

describe('resolveAffinity', () => {
  it('a client turn-state token is a durable hard key', () => {
    expect(resolveAffinity({ 'x-codex-turn-state': 'client-token' }, {}, codex).sticky).toMatchObject({ kind: 'codex_session', hard: true, ttlSeconds: null });
  });

  it('ignores turn-state tokens the proxy minted: they are echoed, never keys', () => {
    const minted = mintTurnState('http_turn');
    expect(minted).toMatch(/^http_turn_[0-9a-f]{32}$/);
    expect(isMintedTurnState(minted)).toBe(true);
    expect(isMintedTurnState(mintTurnState('turn'))).toBe(true);
    expect(mintTurnState('http_turn')).not.toBe(minted);
    expect(resolveAffinity({ 'x-codex-turn-state': minted, session_id: 's' }, {}, codex).sticky).toMatchObject({ kind: 'codex_session', key: expect.stringMatching(/^session:/) });
  });

  it('on Codex routes, session headers are hard and thread ids soft', () => {
    expect(resolveAffinity({ session_id: 'abc' }, {}, codex).sticky).toMatchObject({ kind: 'codex_session', hard: true });
    expect(resolveAffinity({ 'thread-id': 't' }, {}, codex).sticky).toMatchObject({ kind: 'prompt_cache', hard: false, ttlSeconds: 1800 });
    expect(resolveAffinity({}, { prompt_cache_key: 'k' }, codex).sticky).toMatchObject({ kind: 'sticky_thread', hard: false, ttlSeconds: null });
  });

  it('with sticky threads off (dashboard setting), a Codex prompt_cache_key alone binds nothing; sessions still do', () => {
    const off = { ...codex, stickyThreads: false };
    expect(resolveAffinity({}, { prompt_cache_key: 'k' }, off).sticky).toBeUndefined();
    expect(resolveAffinity({ session_id: 'abc' }, { prompt_cache_key: 'k' }, off).sticky).toMatchObject({ kind: 'codex_session' });
    expect(resolveAffinity({}, { prompt_cache_key: 'k' }, { ...openai, stickyThreads: false }).sticky).toMatchObject({ kind: 'prompt_cache' });
  });

  it('on OpenAI routes, session headers do not count; prompt_cache_key is soft with a TTL', () => {
    expect(resolveAffinity({ session_id: 'abc' }, {}, openai).sticky).toBeUndefined();
    expect(resolveAffinity({}, { prompt_cache_key: 'k' }, openai).sticky).toMatchObject({ kind: 'prompt_cache', hard: false, ttlSeconds: 1800 });
  });

  it('scopes keys to the API key, so tenants never share a binding', () => {
    const a = resolveAffinity({ session_id: 'same' }, {}, { ...codex, apiKeyId: 'key-a' }).sticky?.key;
    const b = resolveAffinity({ session_id: 'same' }, {}, { ...codex, apiKeyId: 'key-b' }).sticky?.key;
    expect(a).not.toBe(b);
  });

  it('carries previous_response_id for the owner lookup', () => {
    expect(resolveAffinity({}, { previous_response_id: 'resp_1' }, codex).previousResponseId).toBe('resp_1');
  });
});
