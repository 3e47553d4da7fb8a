import { describe, expect, it } from 'vitest';
import { rememberingCounter } from '../../src/domain/tokens.js';

describe('rememberingCounter', () => {
  it('counts a text once while it is remembered, and forgets the one it learned first', () => {
    const asked: string[] = [];
    const counter = rememberingCounter({ count: (text) => (asked.push(text), text.length) }, 2);
    expect([counter.count('prompt'), counter.count('prompt'), counter.count('other')]).toEqual([6, 6, 5]);
    expect(asked).toEqual(['prompt', 'other']);
    counter.count('third'); // forgets "prompt", the oldest
    expect(counter.count('prompt')).toBe(6);
    expect(counter.count('third')).toBe(5);
    expect(asked).toEqual(['prompt', 'other', 'third', 'prompt']);
  });
});
