import { describe, it, expect } from 'vitest';
import { DISCORD_MESSAGE_LIMIT, splitForDisplay, splitMessage } from '../../../src/adapters/discord/split-message.js';
import { seededRandom } from '../../helpers/random.js';

// --- Independent checkers -------------------------------------------------------------------------

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/s;

/** The fence still open at the end of `text` (CommonMark-style line fences), or null. */
function openFenceAtEnd(text: string): string | null {
  let open: string | null = null;
  for (const line of text.split('\n')) {
    const match = FENCE.exec(line);
    if (match === null) continue;
    const run = match[1] ?? '';
    const rest = match[2] ?? '';
    if (open === null) {
      if (!(run.startsWith('`') && rest.includes('`'))) open = run;
    } else if (run[0] === open[0] && run.length >= open.length && rest.trim() === '') {
      open = null;
    }
  }
  return open;
}

/** Text without any fence-looking lines: what must survive splitting unchanged. */
function withoutFenceLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => !FENCE.test(line))
    .join('\n');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Every piece fits, is not blank, has balanced fences (the last one may stay open only if the
 * original never closes its block) and no broken surrogate pair; and the pieces, with fence lines
 * removed, appear in order in the original separated only by whitespace that never eats a line's
 * indentation. Collects problems and asserts once, so property runs stay fast.
 */
function splitProblems(original: string, pieces: string[], limit: number): string[] {
  const problems: string[] = [];
  const show = (text: string): string => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  const originalOpen = openFenceAtEnd(original);
  for (const [index, piece] of pieces.entries()) {
    if (piece.length > limit) problems.push(`piece ${index} has ${piece.length} > ${limit} code units`);
    if (piece.trim() === '') problems.push(`piece ${index} is blank`);
    if (LONE_SURROGATE.test(piece)) problems.push(`piece ${index} splits a surrogate pair`);
    const last = index === pieces.length - 1;
    if ((!last || originalOpen === null) && openFenceAtEnd(piece) !== null) {
      problems.push(`piece ${index} leaves a fence open: ${show(piece)}`);
    }
  }
  const source = withoutFenceLines(original);
  let cursor = 0;
  for (const [index, piece] of pieces.entries()) {
    const content = withoutFenceLines(piece).replace(/^\n+/, '').trimEnd();
    if (content === '') continue;
    const found = source.indexOf(content, cursor);
    if (found === -1) {
      problems.push(`piece ${index} is not the next part of the original: ${show(content)}`);
      return problems;
    }
    const gap = source.slice(cursor, found);
    if (gap.trim() !== '') problems.push(`text dropped before piece ${index}: ${show(gap)}`);
    if (cursor > 0 && gap.includes('\n') && !gap.endsWith('\n')) problems.push(`piece ${index} lost its indentation`);
    cursor = found + content.length;
  }
  if (source.slice(cursor).trim() !== '') problems.push(`text dropped at the end: ${show(source.slice(cursor))}`);
  return problems;
}

function expectValidSplit(original: string, pieces: string[], limit: number): void {
  expect(splitProblems(original, pieces, limit)).toEqual([]);
}

function words(count: number, seed = 1): string {
  const random = seededRandom(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push('w'.repeat(1 + Math.floor(random() * 9)));
  return out.join(' ');
}

// --- Tests -----------------------------------------------------------------------------------------

describe('splitMessage', () => {
  it('uses the 2000-character message limit by default', () => {
    expect(DISCORD_MESSAGE_LIMIT).toBe(2000);
  });

  it.each([
    { name: 'empty input', text: '', expected: [] },
    { name: 'whitespace only', text: ' \n\n\t  \n', expected: [] },
    { name: 'short text', text: 'Hello there!', expected: ['Hello there!'] },
    { name: 'short text with a code block', text: 'Try:\n```ts\nconst x = 1;\n```', expected: ['Try:\n```ts\nconst x = 1;\n```'] },
    { name: 'surrounding blank lines', text: '\n\n  Hi\n\n', expected: ['  Hi'] },
    { name: 'exactly the limit', text: 'x'.repeat(2000), expected: ['x'.repeat(2000)] },
  ])('$name', ({ text, expected }) => {
    expect(splitMessage(text)).toEqual(expected);
  });

  it('splits one character over the limit into two pieces', () => {
    const text = `${'x'.repeat(1500)} ${'y'.repeat(500)}`;
    expect(splitMessage(text)).toEqual(['x'.repeat(1500), 'y'.repeat(500)]);
  });

  it('splits prose at paragraph boundaries', () => {
    const paragraphs = Array.from({ length: 17 }, (_, i) => `Paragraph ${i}: ${words(50, i + 1)}.`);
    const text = paragraphs.join('\n\n');
    expect(text.length).toBeGreaterThan(5000);

    const pieces = splitMessage(text);

    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(2000);
      for (const paragraph of piece.split('\n\n')) expect(paragraphs).toContain(paragraph);
    }
    expect(pieces.join('\n\n')).toBe(text);
  });

  it('splits a long single line at spaces', () => {
    const text = words(1200, 7);
    expect(text.length).toBeGreaterThan(5000);

    const pieces = splitMessage(text);

    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(2000);
    for (const piece of pieces.slice(0, -1)) expect(piece.length).toBeGreaterThan(1980);
    expect(pieces.join(' ')).toBe(text);
  });

  it('hard-cuts a single word longer than the limit', () => {
    const text = 'a'.repeat(5000);
    expect(splitMessage(text)).toEqual(['a'.repeat(2000), 'a'.repeat(2000), 'a'.repeat(1000)]);
  });

  it.each([
    { name: 'astral emoji', unit: '😀', lead: '' },
    { name: 'astral emoji after an odd offset', unit: '😀', lead: 'a' },
    { name: 'ZWJ family sequences', unit: '👨‍👩‍👧‍👦', lead: '' },
    { name: 'flags', unit: '🇫🇷', lead: 'abc' },
    { name: 'skin-tone modifiers', unit: '👍🏽', lead: 'ab' },
  ])('never breaks $name', ({ unit, lead }) => {
    const text = lead + unit.repeat(Math.ceil(5000 / unit.length));

    const pieces = splitMessage(text);

    expect(pieces.join('')).toBe(text);
    for (const [index, piece] of pieces.entries()) {
      expect(piece.length).toBeLessThanOrEqual(2000);
      expect(piece).not.toMatch(LONE_SURROGATE);
      const body = index === 0 ? piece.slice(lead.length) : piece;
      expect(body.length % unit.length).toBe(0);
    }
  });

  it('closes and reopens a python block that spans a split', () => {
    const intro = `Here is the script.\n\n${words(250, 3)}`;
    const code = Array.from({ length: 120 }, (_, i) => `    value_${i} = compute(${i}, "${'z'.repeat(i % 20)}")`);
    const text = `${intro}\n\n\`\`\`python\ndef main():\n${code.join('\n')}\n\`\`\`\n\nThat is all.`;
    expect(text.length).toBeGreaterThan(5000);

    const pieces = splitMessage(text);

    expectValidSplit(text, pieces, 2000);
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    // The prose before the block is its own piece rather than ending in an empty ```python block.
    expect(pieces[0]).toBe(intro);
    expect(pieces[1]?.startsWith('```python\ndef main():\n')).toBe(true);
    for (const piece of pieces.slice(2, -1)) {
      expect(piece.startsWith('```python\n    value_')).toBe(true);
      expect(piece.endsWith('\n```')).toBe(true);
    }
    // Indentation survives: every code line in every piece is an original line, intact.
    const originalLines = new Set(text.split('\n'));
    for (const piece of pieces) {
      for (const line of piece.split('\n')) expect(originalLines.has(line) || line === '```python').toBe(true);
    }
  });

  it.each([
    { name: 'backtick fence with info string', open: '```c++ title="x"', close: '```', inner: '~~~' },
    { name: 'tilde fence', open: '~~~rust', close: '~~~', inner: '```' },
    { name: 'four-backtick fence', open: '````md', close: '````', inner: '```' },
  ])('reopens a $name with the same marker and info', ({ open, close, inner }) => {
    // Lines that look like other fences are code inside the block, not its end.
    const body = Array.from({ length: 40 }, (_, i) => (i % 10 === 5 ? inner : `  line ${i} ${'.'.repeat(i % 7)}`));
    const text = `${open}\n${body.join('\n')}\n${close}`;
    const limit = 200;

    const pieces = splitMessage(text, limit);

    expect(pieces.length).toBeGreaterThan(2);
    expectValidSplit(text, pieces, limit);
    for (const piece of pieces) {
      expect(piece.startsWith(`${open}\n`)).toBe(true);
      expect(piece.endsWith(`\n${close}`)).toBe(true);
    }
  });

  it.each([
    {
      name: 'prefers a paragraph break to a line break',
      text: `${'a '.repeat(30)}\n\n${'b '.repeat(10)}\n${'c '.repeat(10)}`,
      first: 'a '.repeat(30).trimEnd(),
    },
    {
      name: 'prefers a line break to a space',
      text: `${'a '.repeat(30)}\n${'b '.repeat(30)}`,
      first: 'a '.repeat(30).trimEnd(),
    },
    {
      name: 'skips an early paragraph break that would leave a short piece',
      text: `short\n\n${'a '.repeat(40)}\n${'b '.repeat(20)}`,
      first: `short\n\n${'a '.repeat(40).trimEnd()}`,
    },
    {
      name: 'uses an early break when the rest of the window has none',
      text: `short ${'x'.repeat(150)}`,
      first: 'short',
    },
  ])('$name', ({ text, first }) => {
    const pieces = splitMessage(text, 100);
    expect(pieces[0]).toBe(first);
    expectValidSplit(text, pieces, 100);
  });

  it('preserves indentation of a code line that starts a continuation', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `${' '.repeat(2 + (i % 3) * 2)}step(${i});`);
    const text = `\`\`\`js\n${lines.join('\n')}\n\`\`\``;

    const pieces = splitMessage(text, 120);

    expectValidSplit(text, pieces, 120);
    const restored = pieces.map((piece) => piece.replace(/^```js\n/, '').replace(/\n```$/, '')).join('\n');
    expect(restored).toBe(lines.join('\n'));
  });

  it('keeps the indentation of a code line when a hard cut backs off to the start of an emoji', () => {
    // The window ends inside the emoji; backing off to its start must not strand the indentation.
    const text = '```python\n  \n \n      \n    👨‍👩‍👧 model\n```';
    const pieces = splitMessage(text, 32);
    expectValidSplit(text, pieces, 32);
    expect(pieces.some((piece) => piece.includes('\n    👨‍👩‍👧'))).toBe(true);
  });

  it('leaves a fence that the reply never closes open in the last piece', () => {
    expect(splitMessage('Look:\n```ts\nlet x')).toEqual(['Look:\n```ts\nlet x']);
  });

  it('does not treat inline ``` spans as fences', () => {
    const text = `Use \`\`\`js\`\`\` for blocks. ${words(60, 5)}`;
    const pieces = splitMessage(text, 100);
    expectValidSplit(text, pieces, 100);
    expect(pieces.join(' ')).toBe(text);
  });

  it.each([0, 5, 9, 10.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects limit %s', (limit) => {
    expect(() => splitMessage('hello', limit)).toThrow(/Expected `limit` to be an integer >= 10/);
  });

  it('holds its invariants on random replies with fences, newlines and words', () => {
    const random = seededRandom(20240611);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const vocabulary = ['a', 'the', 'model', 'reply', 'über', 'naïve', '😀', '👨‍👩‍👧', '🇯🇵', 'x'.repeat(45), '—', 'it\'s'];
    // [opening line, closing line, a fence-looking line that is content inside this block]
    const fences = [
      ['```', '```', '~~~'],
      ['```ts', '```', '~~~ts'],
      ['```python', '```', '~~~~'],
      ['~~~', '~~~', '```js'],
      ['````md', '````', '```'],
    ] as const;

    const line = (): string => {
      const count = Math.floor(random() * 14);
      return Array.from({ length: count }, () => pick(vocabulary)).join(random() < 0.1 ? '  ' : ' ');
    };
    const reply = (): string => {
      const blocks: string[] = [];
      const blockCount = 1 + Math.floor(random() * 12);
      for (let b = 0; b < blockCount; b++) {
        if (random() < 0.35) {
          const [open, close, inner] = pick(fences);
          const body = Array.from({ length: Math.floor(random() * 25) }, () =>
            random() < 0.1 ? (random() < 0.5 ? '' : inner) : ' '.repeat(Math.floor(random() * 8)) + line(),
          );
          blocks.push([open, ...body, close].join('\n'));
        } else {
          // Now and then a stray fence line, as models produce: the reply's blocks go out of step.
          const lines = Array.from({ length: 1 + Math.floor(random() * 6) }, () => (random() < 0.01 ? '```' : line()));
          blocks.push(lines.join('\n'));
        }
      }
      return blocks.join(random() < 0.7 ? '\n\n' : '\n');
    };

    for (let run = 0; run < 400; run++) {
      const text = reply();
      // From 32 up, every generated fence can be closed and reopened within half a message (a fence
      // line too long for that is treated as text).
      const limit = pick([32, 40, 64, 100, 250]);
      const pieces = splitMessage(text, limit);
      const problems = splitProblems(text, pieces, limit);
      if (text.trim() !== '' && pieces.length === 0) problems.push('no pieces for a non-blank reply');
      if (splitMessage(text, limit).join('\u0000') !== pieces.join('\u0000')) problems.push('not deterministic');
      // Cut the reply short as if still streaming: every displayed piece must render its code.
      const partial = text.slice(0, Math.floor(random() * text.length)).replace(/[\uD800-\uDBFF]$/, '');
      const shown = splitForDisplay(partial, limit);
      problems.push(...splitProblems(partial, shown, limit).filter((problem) => !problem.includes('fence open')));
      if (shown.some((piece) => openFenceAtEnd(piece) !== null)) problems.push('a displayed piece leaves a fence open');
      // Reproduce a failure from its run number and limit.
      if (problems.length > 0) expect({ run, limit, text, partial, problems }).toBeUndefined();
    }
  });

  it('splits 100 000 characters quickly', () => {
    const random = seededRandom(99);
    const parts: string[] = [];
    let length = 0;
    while (length < 100_000) {
      const part = random() < 0.2 ? `\`\`\`ts\n${'  const x = 1;\n'.repeat(40)}\`\`\`` : words(60, length);
      parts.push(part);
      length += part.length + 2;
    }
    const text = parts.join('\n\n');

    splitMessage(text); // warm up the JIT and the grapheme segmenter
    const started = performance.now();
    const pieces = splitMessage(text);
    const elapsed = performance.now() - started;

    expectValidSplit(text, pieces, 2000);
    expect(elapsed).toBeLessThan(100);
  });
});

describe('splitForDisplay', () => {
  it.each([
    { name: 'closes an open fence at the end', text: 'Here:\n```ts\nconst x = 1;', expected: ['Here:\n```ts\nconst x = 1;\n```'] },
    { name: 'closes a fence whose opening line is still streaming', text: 'Here:\n```py', expected: ['Here:\n```py\n```'] },
    { name: 'leaves a closed fence alone', text: '```\nok\n```', expected: ['```\nok\n```'] },
    { name: 'leaves prose alone', text: 'Thinking', expected: ['Thinking'] },
    { name: 'returns nothing for blank text', text: '\n', expected: [] },
  ])('$name', ({ text, expected }) => {
    expect(splitForDisplay(text)).toEqual(expected);
  });

  it('closes the open fence in the last piece of a long partial reply and keeps it within the limit', () => {
    const code = Array.from({ length: 200 }, (_, i) => `  print(${i})`).join('\n');
    const partial = `Sure:\n\n\`\`\`python\n${code}`;

    const pieces = splitForDisplay(partial);

    expect(pieces.length).toBeGreaterThan(1);
    expectValidSplit(partial, pieces, 2000);
    expect(pieces.at(-1)?.startsWith('```python\n')).toBe(true);
    expect(pieces.at(-1)?.endsWith('\n```')).toBe(true);
  });

  it('reserves room for the closing fence when the partial is near the limit', () => {
    const partial = `\`\`\`\n${'y'.repeat(1996)}`;
    expect(partial.length).toBe(2000);

    const pieces = splitForDisplay(partial);

    expectValidSplit(partial, pieces, 2000);
    expect(pieces.length).toBe(2);
    expect(splitMessage(partial)).toEqual([partial]);
  });
});
