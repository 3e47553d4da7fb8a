import type { Logger } from 'pino';
import type { RecordBackend } from './backend.js';
import { CachingSessionStore } from './caching-store.js';
import { type ChunkedStoreOptions, ChunkedSessionStore } from './chunked-store.js';
import { MemoryDatabase } from './memory-backend.js';
import { SqliteBackend } from './sqlite-backend.js';
import { parseStoreUrl, type StoreLocation } from './store-url.js';

export interface SessionStoreOptions extends ChunkedStoreOptions {
  /** Messages kept decoded in memory across sessions (SESSION_CACHE_MESSAGES); 0 caches nothing. */
  readonly cachedMessages?: number;
}

/** The store the bot runs on a backend: chunked records, with recently used sessions cached. */
export function sessionStoreOn(backend: RecordBackend, logger: Logger, options: SessionStoreOptions = {}): CachingSessionStore {
  const { cachedMessages, ...rest } = options;
  return new CachingSessionStore(new ChunkedSessionStore(backend, logger, rest), cachedMessages === undefined ? {} : { cachedMessages });
}

/**
 * The backend a STORE_URL names (store-url.ts), connected and probed: a database that cannot be
 * reached or written fails here, at start, with the driver's error. With `readOnly` nothing is
 * written to it, not even a probe: SQLite opens the file read-only, PostgreSQL's sessions are
 * read-only transactions; Redis has no such mode (the store above refuses every write).
 */
export async function openBackend(location: StoreLocation, logger?: Logger, options: { readonly readOnly?: boolean } = {}): Promise<RecordBackend> {
  const readOnly = options.readOnly === true ? { readOnly: true } : {};
  switch (location.kind) {
    case 'memory':
      return new MemoryDatabase().connect();
    case 'sqlite':
      return SqliteBackend.open(location.path, readOnly);
    // Loaded only when named: a bot on SQLite does not load the Redis and PostgreSQL clients at start.
    case 'redis':
      return (await import('./redis-backend.js')).RedisBackend.open(location, logger, readOnly);
    case 'postgres':
      return (await import('./postgres-backend.js')).PostgresBackend.open(location, logger, readOnly);
  }
}

/** Opens the store a STORE_URL names (see store-url.ts for the forms). */
export async function openSessionStore(storeUrl: string, logger: Logger, options: SessionStoreOptions = {}): Promise<CachingSessionStore> {
  return sessionStoreOn(await openBackend(parseStoreUrl(storeUrl), logger), logger, options);
}

/**
 * The store a STORE_URL names without a cache, for tools that read every session once (migrate):
 * with `readOnly`, the database is opened for reading where the backend allows it.
 */
export async function openUncachedStore(storeUrl: string, logger: Logger, options: ChunkedStoreOptions = {}): Promise<ChunkedSessionStore> {
  return new ChunkedSessionStore(await openBackend(parseStoreUrl(storeUrl), logger, options), logger, options);
}
