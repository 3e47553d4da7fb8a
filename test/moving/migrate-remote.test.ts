import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostgresBackend } from '../../src/adapters/store/postgres-backend.js';
import { RedisBackend } from '../../src/adapters/store/redis-backend.js';
import { SqliteBackend } from '../../src/adapters/store/sqlite-backend.js';
import { parseStoreUrl } from '../../src/adapters/store/store-url.js';
import { dropPostgresSchema, dropRedisNamespace, serviceUrl, uniqueName, withParameter, withService } from '../helpers/services.js';
import { tempDir } from '../helpers/temp.js';
import { describeMigration, type MovingDatabase } from './migrate-suite.js';

/** A Redis namespace (key prefix) of its own. */
function redis(url: string): MovingDatabase {
  const namespace = uniqueName('ccmove');
  const location = parseStoreUrl(withParameter(url, `namespace=${namespace}`));
  if (location.kind !== 'redis') throw new Error(`REDIS_URL is not a redis:// URL: ${location.kind}`);
  return { connect: (options) => RedisBackend.open(location, undefined, options), cleanup: () => dropRedisNamespace(url, namespace) };
}

/** A PostgreSQL schema of its own. */
function postgres(url: string): MovingDatabase {
  const schema = uniqueName('ccmove');
  const location = parseStoreUrl(withParameter(url, `schema=${schema}`));
  if (location.kind !== 'postgres') throw new Error(`POSTGRES_URL is not a postgres:// URL: ${location.kind}`);
  return { connect: (options) => PostgresBackend.open(location, undefined, options), cleanup: () => dropPostgresSchema(url, schema) };
}

function sqlite(): MovingDatabase {
  const dir = tempDir();
  const file = join(dir.path, 'store.sqlite');
  return {
    connect: (options) => SqliteBackend.open(file, options),
    cleanup: () => {
      dir.cleanup();
      return Promise.resolve();
    },
  };
}

withService('REDIS_URL', 'migrate: SQLite and Redis', (url) => {
  describeMigration('SQLite file to Redis', () => Promise.resolve({ source: sqlite(), target: redis(url) }));
});

withService('POSTGRES_URL', 'migrate: Redis and PostgreSQL', (postgresUrl) => {
  const redisUrl = serviceUrl('REDIS_URL');
  describeMigration('PostgreSQL to SQLite file', () => Promise.resolve({ source: postgres(postgresUrl), target: sqlite() }));
  if (redisUrl !== undefined) {
    describeMigration('Redis to PostgreSQL', () => Promise.resolve({ source: redis(redisUrl), target: postgres(postgresUrl) }));
  }
});

withService('POSTGRES_URL', 'migrate: a read-only PostgreSQL source', (url) => {
  describe('PostgreSQL opened for reading only', () => {
    it('the server itself refuses a write', async () => {
      const database = postgres(url);
      try {
        const writer = await database.connect();
        await writer.put({ key: 'session:x', text: 'kept' });
        await writer.close();
        const reader = await database.connect({ readOnly: true });
        await expect(reader.put({ key: 'session:x', text: 'changed' })).rejects.toThrow();
        expect(await reader.get('session:x')).toBe('kept');
        await reader.close();
      } finally {
        await database.cleanup();
      }
    });
  });
});
