import { existsSync } from 'node:fs';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSessionStore } from '../../../src/adapters/store/open-session-store.js';
import { encodeHead, encodeRecord } from '../../../src/adapters/store/record.js';
import { SqliteBackend } from '../../../src/adapters/store/sqlite-backend.js';
import { captureLogs } from '../../helpers/logs.js';
import { assistant, user } from '../../helpers/domain.js';
import { tempDir } from '../../helpers/temp.js';

const head = (ver: number): string => encodeHead({ v: 4, ver, settings: {}, next: 0, chunks: [] });

describe('SqliteBackend', () => {
  let dir: ReturnType<typeof tempDir>;
  let file: string;
  let backend: SqliteBackend;

  beforeEach(async () => {
    dir = tempDir();
    file = join(dir.path, 'nested', 'folder', 'contextcord.sqlite');
    backend = await SqliteBackend.open(file);
  });

  afterEach(async () => {
    await backend.close();
    dir.cleanup();
  });

  it('creates the folder, runs in WAL mode, and keeps what was written across a reopen', async () => {
    expect(existsSync(join(dir.path, 'nested', 'folder'))).toBe(true);
    expect(await backend.run('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(await backend.commit([{ key: 'chunk:k:w.0', text: '"c"' }], { key: 'session:k', text: head(1) }, 0)).toBe(true);
    await backend.close();
    backend = await SqliteBackend.open(file);
    expect(await backend.version('session:k')).toBe(1);
    expect(await backend.getMany(['chunk:k:w.0', 'chunk:k:none'])).toEqual(['"c"', undefined]);
  });

  it('a commit of more rows than SQLite binds as parameters travels as one JSON parameter, compare-and-set all the same', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => ({ key: `chunk:big:w.${String(i)}`, text: encodeRecord({ n: i, text: `it's "${String(i)}"` }) }));
    expect(await backend.commit(rows, { key: 'session:big', text: head(1) }, 1)).toBe(false);
    expect(await backend.get('chunk:big:w.0')).toBeUndefined();
    expect(await backend.commit(rows, { key: 'session:big', text: head(1) }, 0)).toBe(true);
    expect(await backend.get('chunk:big:w.1499')).toBe(rows[1499]?.text);
  });

  it('reads the version from a head of any kind without failing: 0 for one that is not JSON or predates versions', async () => {
    await backend.put({ key: 'session:broken', text: '{broken' });
    await backend.put({ key: 'session:v3', text: encodeRecord({ v: 3, settings: {}, chunks: [], next: 0 }) });
    expect(await backend.version('session:broken')).toBe(0);
    expect(await backend.version('session:v3')).toBe(0);
    expect(await backend.commit([], { key: 'session:v3', text: head(1) }, 0)).toBe(true);
  });

  it('deletes a row only while it holds the text it was read with', async () => {
    await backend.put({ key: 'session:d', text: '"a"' });
    expect(await backend.deleteIf('session:d', '"b"')).toBe(false);
    expect(await backend.deleteIf('session:d', '"a"')).toBe(true);
    expect(await backend.get('session:d')).toBeUndefined();
  });

  it('pages through the keys of a prefix in order, and only those', async () => {
    for (const key of ['chunk:a:1', 'chunk:a:2', 'chunk:b:1', 'chunj:x', 'chunk;y', 'session:a']) await backend.put({ key, text: '0' });
    expect(await backend.keys('chunk:', '', 2)).toEqual(['chunk:a:1', 'chunk:a:2']);
    expect(await backend.keys('chunk:', 'chunk:a:2', 2)).toEqual(['chunk:b:1']);
    expect(await backend.keys('chunk:a:', '', 10)).toEqual(['chunk:a:1', 'chunk:a:2']);
  });
});

describe('openSessionStore', () => {
  it('opens a database the Keyv-based store wrote (namespace, envelope, a version 3 head) and carries on', async () => {
    const dir = tempDir();
    const file = join(dir.path, 'old.sqlite');
    try {
      const keyv = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${file}` }), namespace: 'contextcord', serialize: JSON.stringify });
      const q = { ...user('old q') };
      const a = { ...assistant('old a') };
      await keyv.set('chunk:c1:0', { v: 2, messages: [q, a] });
      await keyv.set('session:c1', { v: 3, settings: { limit: 7 }, chunks: [{ id: 0, n: 2, cost: 8 }], next: 1 });
      await keyv.disconnect();
      const store = await openSessionStore(`sqlite://${file}`, captureLogs().logger, { sweepAfterStartMs: Infinity });
      const read = await store.load('c1');
      expect(read.session).toEqual({ history: [{ ...q, seq: 0 }, { ...a, seq: 1 }], settings: { limit: 7 }, next: 2 });
      const next = await store.commit(read, { append: [{ ...user('new'), seq: 2 }] });
      store.clearCache();
      expect(await store.load('c1')).toEqual(next);
      await store.close();
    } finally {
      dir.cleanup();
    }
  });

  it('refuses a store it does not know with what is allowed', async () => {
    await expect(openSessionStore('mongodb://x', captureLogs().logger)).rejects.toThrow(/mongodb:\/\/ is not supported: expected sqlite:\/\//);
    await expect(openSessionStore('sqlite://', captureLogs().logger)).rejects.toThrow(/needs a file path/);
  });

  it('memory:// works for tests and trials', async () => {
    const store = await openSessionStore('memory://', captureLogs().logger);
    const basis = await store.load('k');
    await store.commit(basis, { append: [{ ...user('x'), seq: 0 }] });
    expect((await store.load('k')).session.history).toHaveLength(1);
    await store.close();
  });
});
