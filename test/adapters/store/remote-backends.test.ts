/**
 * What the Redis and PostgreSQL backends do beyond the shared contract: the layout the official
 * Keyv adapters read, big commits, key order. Each test file has its own namespace or schema.
 */
import KeyvPostgres from '@keyv/postgres';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBackend } from '../../../src/adapters/store/backend.js';
import { openSessionStore } from '../../../src/adapters/store/open-session-store.js';
import { PostgresBackend } from '../../../src/adapters/store/postgres-backend.js';
import { encodeHead, encodeRecord } from '../../../src/adapters/store/record.js';
import { RedisBackend } from '../../../src/adapters/store/redis-backend.js';
import { parseStoreUrl } from '../../../src/adapters/store/store-url.js';
import { assistant, user } from '../../helpers/domain.js';
import { captureLogs } from '../../helpers/logs.js';
import { dropPostgresSchema, dropRedisNamespace, uniqueName, withParameter, withService } from '../../helpers/services.js';

const head = (ver: number): string => encodeHead({ v: 4, ver, settings: {}, next: 0, chunks: [] });

interface Remote {
  readonly name: string;
  readonly service: 'REDIS_URL' | 'POSTGRES_URL';
  /** STORE_URL for a namespace or schema of its own. */
  readonly storeUrl: (url: string, isolated: string) => string;
  readonly open: (storeUrl: string) => Promise<RecordBackend>;
  /** A Keyv on the official adapter, in the store's namespace. */
  readonly keyv: (url: string, isolated: string) => Keyv;
  readonly drop: (url: string, isolated: string) => Promise<void>;
}

const remotes: Remote[] = [
  {
    name: 'Redis',
    service: 'REDIS_URL',
    storeUrl: (url, isolated) => withParameter(url, `namespace=${isolated}`),
    open: (storeUrl) => {
      const location = parseStoreUrl(storeUrl);
      if (location.kind !== 'redis') throw new Error('not redis');
      return RedisBackend.open(location);
    },
    keyv: (url, isolated) => new Keyv(new KeyvRedis(url, { namespace: isolated }), { namespace: isolated, useKeyPrefix: false, serialize: JSON.stringify }),
    drop: dropRedisNamespace,
  },
  {
    name: 'PostgreSQL',
    service: 'POSTGRES_URL',
    storeUrl: (url, isolated) => withParameter(url, `schema=${isolated}`),
    open: (storeUrl) => {
      const location = parseStoreUrl(storeUrl);
      if (location.kind !== 'postgres') throw new Error('not postgres');
      return PostgresBackend.open(location);
    },
    keyv: (url, isolated) => new Keyv({ store: new KeyvPostgres({ uri: url, schema: isolated }), namespace: 'contextcord', serialize: JSON.stringify }),
    drop: dropPostgresSchema,
  },
];

for (const remote of remotes) {
  withService(remote.service, `${remote.name} backend`, (url) => {
    describe(`${remote.name} backend`, () => {
      const isolated = uniqueName('cctest');
      const storeUrl = remote.storeUrl(url, isolated);
      let backend: RecordBackend;

      beforeAll(async () => {
        backend = await remote.open(storeUrl);
      });

      afterAll(async () => {
        await backend.close();
        await remote.drop(url, isolated);
      });

      it(`lays records out as Keyv's official adapter does: a Keyv on it reads what the store wrote, and the store reads what Keyv wrote`, async () => {
        const logger = captureLogs().logger;
        const store = await openSessionStore(storeUrl, logger, { sweepAfterStartMs: Infinity });
        const basis = await store.load('k');
        await store.commit(basis, { append: [{ ...user('q'), seq: 0 }, { ...assistant('a'), seq: 1 }] });
        const keyv = remote.keyv(url, isolated);
        const stored: unknown = await keyv.get('session:k');
        expect(stored).toMatchObject({ ver: 1, v: 4, next: 2 });
        // A version 3 head and chunk, as the Keyv-based store wrote them.
        const [q, a] = [user('old q'), assistant('old a')];
        await keyv.set('chunk:old:0', { v: 2, messages: [q, a] });
        await keyv.set('session:old', { v: 3, settings: { limit: 7 }, chunks: [{ id: 0, n: 2, cost: 8 }], next: 1 });
        await keyv.disconnect();
        const read = await store.load('old');
        expect(read.session).toEqual({ history: [{ ...q, seq: 0 }, { ...a, seq: 1 }], settings: { limit: 7 }, next: 2 });
        await store.close();
      });

      it('a commit of 1 500 rows is compare-and-set all the same: refused whole, or stored whole', async () => {
        const rows = Array.from({ length: 1500 }, (_, i) => ({ key: `chunk:big:w.${String(i)}`, text: encodeRecord({ n: i, text: `it's "${String(i)}" \\ 😀` }) }));
        expect(await backend.commit(rows, { key: 'session:big', text: head(1) }, 1)).toBe(false);
        expect(await backend.get('chunk:big:w.0')).toBeUndefined();
        expect(await backend.commit(rows, { key: 'session:big', text: head(1) }, 0)).toBe(true);
        expect(await backend.get('chunk:big:w.1499')).toBe(rows[1499]?.text);
        expect(await backend.version('session:big')).toBe(1);
      });

      it('a commit whose chunk key is taken stores nothing, not even the head', async () => {
        await backend.put({ key: 'chunk:taken:w.0', text: '"first"' });
        expect(await backend.commit([{ key: 'chunk:taken:w.1', text: '"new"' }, { key: 'chunk:taken:w.0', text: '"second"' }], { key: 'session:taken', text: head(1) }, 0)).toBe(false);
        expect(await backend.version('session:taken')).toBe(0);
        expect(await backend.getMany(['chunk:taken:w.0', 'chunk:taken:w.1'])).toEqual(['"first"', undefined]);
      });

      it('reads the version from a head of any kind: 0 for one that is not JSON or predates versions', async () => {
        await backend.put({ key: 'session:broken', text: '{broken' });
        await backend.put({ key: 'session:v3', text: encodeRecord({ v: 3, settings: {}, chunks: [], next: 0 }) });
        await backend.put({ key: 'session:long', text: encodeHead({ v: 4, ver: 123_456_789_012, settings: {}, next: 0, chunks: [] }) });
        expect(await backend.version('session:broken')).toBe(0);
        expect(await backend.version('session:v3')).toBe(0);
        expect(await backend.version('session:long')).toBe(123_456_789_012);
        expect(await backend.commit([], { key: 'session:v3', text: head(1) }, 0)).toBe(true);
      });

      it('pages through the keys of a prefix in byte order, and only those', async () => {
        for (const key of ['chunk:a:1', 'chunk:a:2', 'chunk:B:1', 'chunk:b:1', 'chunj:x', 'chunk;y', 'session:a']) await backend.put({ key, text: '0' });
        const prefixed = async (prefix: string, after: string, limit: number): Promise<string[]> =>
          (await backend.keys(prefix, after, limit)).filter((key) => !key.startsWith('chunk:big') && !key.startsWith('chunk:taken'));
        expect(await prefixed('chunk:', '', 100)).toEqual(['chunk:B:1', 'chunk:a:1', 'chunk:a:2', 'chunk:b:1']);
        expect(await backend.keys('chunk:a:', 'chunk:a:1', 10)).toEqual(['chunk:a:2']);
        expect(await backend.keys('chunk:a:', '', 1)).toEqual(['chunk:a:1']);
        // An empty prefix is every record of the store (and only those).
        expect(await backend.keys('', 'chunk:a:2', 2)).toEqual(['chunk:b:1', 'chunk:big:w.0']);
        expect(await backend.keys('', '', 1)).toEqual(['chunj:x']);
        await backend.deleteMany(['chunk:a:1', 'chunk:a:2']);
        expect(await backend.keys('chunk:a:', '', 10)).toEqual([]);
      });

      it('deletes a record only while it holds the text it was read with', async () => {
        await backend.put({ key: 'session:d', text: '"a"' });
        expect(await backend.deleteIf('session:d', '"b"')).toBe(false);
        expect(await backend.deleteIf('session:d', '"a"')).toBe(true);
        expect(await backend.get('session:d')).toBeUndefined();
        expect(await backend.keys('session:d', '', 10)).toEqual([]);
      });
    });
  });
}
