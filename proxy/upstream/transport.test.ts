import { describe, expect, it } from 'vitest';
import { responseCreateFrame } from './transport.ts';

describe('responseCreateFrame', () => {
  it('drops stream and background, which the socket refuses, and names the frame', () => {
    expect(responseCreateFrame({ model: 'm', stream: true, background: false, input: [], store: false })).toEqual({
      type: 'response.create',
      model: 'm',
      input: [],
      store: false,
    });
  });
});
