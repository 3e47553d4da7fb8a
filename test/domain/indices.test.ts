import { describe, expect, it } from 'vitest';
import { parseIndices, resolveIndices, UserError } from '../../src/domain/index.js';
import { thrown } from '../helpers/domain.js';

describe('parseIndices', () => {
  it.each([
    ['0', [0]],
    ['0 -2 -1', [0, -2, -1]],
    ['1,2', [1, 2]],
    [' 3 ,  -1 ', [3, -1]],
    ['+2', [2]],
    ['1 1 1', [1, 1, 1]],
  ])('%j → %j', (text, expected) => {
    expect(parseIndices(text)).toEqual(expected);
  });

  it.each(['', '   ', '1,,x', 'x', '-0.5', '1.0', '1e3', '--1', '0x10', '1,', ',1', '12345678', 'one two'])(
    '%j is refused with what is allowed',
    (text) => {
      expect(() => parseIndices(text)).toThrow(UserError);
      try {
        parseIndices(text);
      } catch (error) {
        expect((error as UserError).code).toBe('bad_indices');
        expect((error as UserError).details).toHaveProperty('reason');
      }
    },
  );

  it('refuses more than 100 indices', () => {
    expect(thrown(() => parseIndices(Array.from({ length: 101 }, () => '0').join(' ')))).toMatchObject({
      code: 'bad_indices',
      details: { reason: 'too_many', max: 100, got: 101 },
    });
  });
});

describe('resolveIndices', () => {
  it.each([
    { indices: [0, -1], length: 3, expected: [0, 2] },
    { indices: [-3], length: 3, expected: [0] },
    { indices: [2, 2], length: 3, expected: [2, 2] },
  ])('$indices over $length → $expected', ({ indices, length, expected }) => {
    expect(resolveIndices(indices, length)).toEqual(expected);
  });

  it.each([
    { indices: [3], length: 3 },
    { indices: [-4], length: 3 },
    { indices: [999], length: 1 },
  ])('$indices over $length is out of range', ({ indices, length }) => {
    expect(thrown(() => resolveIndices(indices, length))).toMatchObject({ code: 'index_out_of_range', details: { indices, length } });
  });
});
