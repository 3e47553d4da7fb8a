import { describe, expect, it } from 'vitest';
import { createMessage, modelContent, UserError } from '../../src/domain/index.js';
import { testRules } from '../helpers/domain.js';

/** The error `run` throws (the test fails if it throws none). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('createMessage', () => {
  const rules = testRules({ maxMessageChars: 10 });

  it('counts tokens once, of the content as the model sees it (with the speaker prefix)', () => {
    const m = createMessage({ role: 'user', content: 'hi there', authorName: 'Ada', authorId: '1' }, rules);
    expect(modelContent(m)).toBe('Ada: hi there');
    expect(m.tokens).toBe(3);
    expect(m.pinned).toBe(false);
    expect(m.authorId).toBe('1');
  });

  it('keeps assistant content unprefixed', () => {
    const m = createMessage({ role: 'assistant', content: 'a b c d e f g h i j k l' }, rules);
    expect(modelContent(m)).toBe('a b c d e f g h i j k l');
  });

  it('refuses user content over the bound, naming the bound, instead of truncating it', () => {
    expect(thrown(() => createMessage({ role: 'user', content: 'x'.repeat(11) }, rules))).toMatchObject({
      code: 'message_too_long',
      details: { length: 11, max: 10 },
    });
  });

  it('counts characters, not UTF-16 units, against the bound', () => {
    expect(createMessage({ role: 'user', content: '😀'.repeat(10) }, rules).content).toHaveLength(20);
  });

  it.each(['', '   ', '\n\t'])('refuses empty content %j', (content) => {
    try {
      createMessage({ role: 'user', content }, rules);
      throw new Error('expected an error');
    } catch (error) {
      expect((error as UserError).code).toBe('empty_message');
    }
  });

  it('cleans display names that would break the prefix', () => {
    const m = createMessage({ role: 'user', content: 'x', authorName: 'Bad:\nName' }, rules);
    expect(m.authorName).toBe('Bad Name');
  });
});
