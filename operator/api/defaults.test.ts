import { describe, expect, it } from 'vitest';
import { applyDefaults } from './defaults.ts';
import type { JSONSchemaProps } from './schema.ts';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    a: { type: 'object', default: { n: 1 }, properties: { n: { type: 'integer', default: 1 }, m: { type: 'integer', default: 2 } } },
    list: { type: 'array', items: { type: 'object', properties: { x: { type: 'string', default: 'd' } } } },
    kept: { type: 'string', default: 'default' },
  },
};

describe('applyDefaults', () => {
  it('fills absent fields, recurses into present objects and list items, and keeps given values', () => {
    const input = { a: { n: 5 }, list: [{}, { x: 'given' }], kept: 'mine' };
    expect(applyDefaults(schema, input)).toEqual({ a: { n: 5, m: 2 }, list: [{ x: 'd' }, { x: 'given' }], kept: 'mine' });
    expect(input).toEqual({ a: { n: 5 }, list: [{}, { x: 'given' }], kept: 'mine' });
  });

  it('defaults nested fields of a defaulted object', () => {
    expect(applyDefaults(schema, {})).toEqual({ a: { n: 1, m: 2 }, kept: 'default' });
  });
});
