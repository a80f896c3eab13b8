import { describe, expect, it } from 'vitest';
import { exceedsDepth, MAX_JSON_DEPTH } from './json-depth.ts';

const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe('exceedsDepth', () => {
  it('counts arrays and objects as levels; scalars are free', () => {
    expect(exceedsDepth('text', 0)).toBe(false);
    expect(exceedsDepth({ a: 1 }, 1)).toBe(false);
    expect(exceedsDepth({ a: [1] }, 1)).toBe(true);
    expect(exceedsDepth({ a: [{ b: null }] }, 3)).toBe(false);
  });

  it('accepts a realistic Codex request and refuses 5000 levels without overflowing the stack', () => {
    const request = { model: 'gpt-5.4', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], tools: [{ type: 'function', parameters: { type: 'object', properties: { a: { type: 'array', items: { type: 'object' } } } } }] };
    expect(exceedsDepth(request)).toBe(false);
    expect(exceedsDepth(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(exceedsDepth(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceedsDepth(nested(5000))).toBe(true);
  });
});
