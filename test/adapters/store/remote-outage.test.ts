/**
 * The remote backends when their connection breaks: a failure is StoreUnavailableError (never a
 * stored-looking success), and the backend is usable again as soon as the server is, by itself.
 * Each runs through a TCP relay the test cuts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresBackend } from '../../../src/adapters/store/postgres-backend.js';
import { encodeHead } from '../../../src/adapters/store/record.js';
import { RedisBackend } from '../../../src/adapters/store/redis-backend.js';
import { parseStoreUrl } from '../../../src/adapters/store/store-url.js';
import { StoreUnavailableError } from '../../../src/engine/session-store.js';
import { captureLogs } from '../../helpers/logs.js';
import { Relay } from '../../helpers/relay.js';
import { dropPostgresSchema, dropRedisNamespace, uniqueName, withParameter, withService } from '../../helpers/services.js';

const head = (ver: number): string => encodeHead({ v: 4, ver, settings: {}, next: 0, chunks: [] });

function throughRelay(url: string, relay: Relay): string {
  const target = new URL(url);
  target.hostname = '127.0.0.1';
  target.port = String(relay.port);
  return target.toString();
}

function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port === '' ? defaultPort : Number(parsed.port) };
}

withService('POSTGRES_URL', 'PostgreSQL backend, connection broken', (url) => {
  describe('PostgreSQL backend, connection broken', () => {
    const schema = uniqueName('ccout');
    let relay: Relay;
    let backend: PostgresBackend;

    beforeEach(async () => {
      relay = await Relay.start(targetOf(url, 5432));
      const location = parseStoreUrl(withParameter(throughRelay(url, relay), `schema=${schema}`));
      if (location.kind !== 'postgres') throw new Error('not postgres');
      backend = await PostgresBackend.open(location, captureLogs().logger);
    });

    afterEach(async () => {
      await backend.close();
      await relay.down();
      await dropPostgresSchema(url, schema);
    });

    it('a read on a connection that was ended while idle is sent again on a new one; a write is not, and fails visibly', async () => {
      expect(await backend.commit([], { key: 'session:k', text: head(1) }, 0)).toBe(true);
      relay.cut();
      // The pool has not heard yet that its idle connection is gone.
      expect(await backend.version('session:k')).toBe(1);
      relay.cut();
      const write = backend.commit([], { key: 'session:k', text: head(2) }, 1);
      await expect(write).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(write).rejects.toMatchObject({ details: { reason: 'unreachable', store: expect.stringMatching(/^postgres/) as unknown } });
      expect(await backend.version('session:k')).toBe(1);
    });

    it('a server that cannot be reached fails every call at once with StoreUnavailableError, and the backend works again when it is back', async () => {
      await relay.down();
      await expect(backend.version('session:k')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(backend.commit([], { key: 'session:k', text: head(1) }, 0)).rejects.toBeInstanceOf(StoreUnavailableError);
      await relay.up();
      expect(await backend.commit([], { key: 'session:k', text: head(1) }, 0)).toBe(true);
    });
  });
});

withService('REDIS_URL', 'Redis backend, connection broken', (url) => {
  describe('Redis backend, connection broken', () => {
    const namespace = uniqueName('ccout');
    let relay: Relay;
    let backend: RedisBackend;
    let logs: ReturnType<typeof captureLogs>;

    beforeEach(async () => {
      relay = await Relay.start(targetOf(url, 6379));
      const location = parseStoreUrl(withParameter(throughRelay(url, relay), `namespace=${namespace}`));
      if (location.kind !== 'redis') throw new Error('not redis');
      logs = captureLogs();
      backend = await RedisBackend.open(location, logs.logger);
    });

    afterEach(async () => {
      await backend.close();
      await relay.down();
      await dropRedisNamespace(url, namespace);
    });

    it('while the connection is down every call fails with StoreUnavailableError and nothing is stored; it reconnects by itself, logging the loss once', async () => {
      expect(await backend.commit([], { key: 'session:k', text: head(1) }, 0)).toBe(true);
      await relay.down();
      await expect.poll(() => logs.lines.some((l) => l['msg'] === 'lost the connection to the store; reconnecting'), { timeout: 5000 }).toBe(true);
      await expect(backend.version('session:k')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(backend.commit([], { key: 'session:k', text: head(2) }, 1)).rejects.toBeInstanceOf(StoreUnavailableError);
      await relay.up();
      await expect.poll(() => backend.version('session:k').catch(() => -1), { timeout: 10_000, interval: 50 }).toBe(1);
      expect(await backend.commit([], { key: 'session:k', text: head(2) }, 1)).toBe(true);
      expect(logs.lines.filter((l) => l['msg'] === 'lost the connection to the store; reconnecting')).toHaveLength(1);
    });
  });
});
