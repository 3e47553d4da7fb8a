import { describe, expect, it } from 'vitest';
import {
  chunkSession,
  decodeHead,
  decodeRecord,
  encodeHead,
  encodeRecord,
  listedChunkIds,
  parseQuarantineKey,
  quarantineKey,
  versionOfText,
  writtenAt,
} from '../../../src/adapters/store/record.js';

const head = { v: 4, ver: 12, settings: { limit: 5 }, next: 9, pinned: [3], chunks: [{ id: 'w1.0', n: 2, cost: 10, pins: 1 }, { id: 'w1.1', gone: [7], n: 1, cost: 4 }] } as const;

describe('head records', () => {
  it('a head text begins with its version, and decodes back to the head', () => {
    const text = encodeHead(head);
    expect(text.startsWith('{"value":{"ver":12,')).toBe(true);
    expect(versionOfText(text)).toBe(12);
    expect(decodeHead(decodeRecord(text)?.value)).toEqual({ kind: 'head', head });
    expect(JSON.parse(text)).toEqual({ value: head, expires: null });
  });

  it.each([
    ['no record', undefined],
    ['a head written before versions', encodeRecord({ v: 3, settings: {}, chunks: [], next: 0 })],
    ['a version not first', encodeRecord({ v: 4, ver: 5 })],
    ['not JSON', '{broken'],
    ['no digits', '{"value":{"ver":"7"}}'],
  ])('%s states version 0', (_name, text) => {
    expect(versionOfText(text)).toBe(0);
  });

  it('reads version 2 and 3 heads as numbered chunks with gone positions, and version 1 as a whole history', () => {
    expect(decodeHead({ v: 2, settings: { limit: 4 }, chunks: [3, 4], next: 5 })).toEqual({
      kind: 'legacy-chunks',
      settings: { limit: 4 },
      chunks: [
        { id: '3', gone: [] },
        { id: '4', gone: [] },
      ],
    });
    expect(decodeHead({ v: 3, settings: {}, chunks: [{ id: 0, gone: [1], n: 1, cost: 3 }], next: 1 })).toMatchObject({ kind: 'legacy-chunks', chunks: [{ id: '0', gone: [1] }] });
    expect(decodeHead({ v: 1, history: [], settings: {} })).toEqual({ kind: 'legacy-whole', settings: {}, history: [] });
    expect(decodeHead({ v: 4, ver: 0, settings: {}, next: 0, chunks: [] })).toMatchObject({ kind: 'bad' });
    expect(decodeHead({ ...head, chunks: [{ id: 'has:colon', n: 1, cost: 1 }] })).toMatchObject({ kind: 'bad' });
  });
});

describe('what the sweep reads', () => {
  it('the chunks a head lists, leniently: a head set aside for one bad field still protects its chunks', () => {
    expect(listedChunkIds(head)).toEqual(new Set(['w1.0', 'w1.1']));
    expect(listedChunkIds({ v: 4, ver: -1, chunks: [{ id: 'x.1', n: 'many' }] })).toEqual(new Set(['x.1']));
    expect(listedChunkIds({ v: 2, chunks: [0, 1] })).toEqual(new Set(['0', '1']));
    expect(listedChunkIds({ v: 1, history: [], settings: {} })).toEqual(new Set());
    expect(listedChunkIds('not a session')).toBeUndefined();
  });

  it('keys name their session, even a session key with colons', () => {
    expect(chunkSession('chunk:terminal:ada:w1.3')).toBe('terminal:ada');
    expect(chunkSession('session:x')).toBeUndefined();
    const aside = quarantineKey('terminal:ada', 1_700_000_000_000, 'w1');
    expect(aside).toBe('quarantine:terminal:ada:1700000000000.w1');
    expect(parseQuarantineKey(aside)).toEqual({ key: 'terminal:ada', at: 1_700_000_000_000 });
    expect(parseQuarantineKey('quarantine:x:notatime')).toBeUndefined();
  });

  it('a chunk written before records carried a time counts as old', () => {
    expect(writtenAt({ v: 3, at: 42, messages: [] })).toBe(42);
    expect(writtenAt({ v: 2, messages: [] })).toBe(0);
  });
});
