import type { Logger } from 'pino';
import type { RecordBackend } from './backend.js';
import { CachingSessionStore } from './caching-store.js';
import { type ChunkedStoreOptions, ChunkedSessionStore } from './chunked-store.js';
import { MemoryDatabase } from './memory-backend.js';
import { SqliteBackend } from './sqlite-backend.js';

export interface SessionStoreOptions extends ChunkedStoreOptions {
  /** Messages kept decoded in memory across sessions (SESSION_CACHE_MESSAGES); 0 caches nothing. */
  readonly cachedMessages?: number;
}

/** The store the bot runs on a backend: chunked records, with recently used sessions cached. */
export function sessionStoreOn(backend: RecordBackend, logger: Logger, options: SessionStoreOptions = {}): CachingSessionStore {
  const { cachedMessages, ...rest } = options;
  return new CachingSessionStore(new ChunkedSessionStore(backend, logger, rest), cachedMessages === undefined ? {} : { cachedMessages });
}

/** Opens the store a STORE_URL names: `sqlite://path` (default) or `memory://`. */
export async function openSessionStore(storeUrl: string, logger: Logger, options: SessionStoreOptions = {}): Promise<CachingSessionStore> {
  return sessionStoreOn(await openBackend(storeUrl, options), logger, options);
}

/**
 * The store a STORE_URL names without a cache, for tools that read every session once (migrate):
 * with `readOnly`, the database is opened for reading where the backend allows it.
 */
export async function openUncachedStore(storeUrl: string, logger: Logger, options: ChunkedStoreOptions = {}): Promise<ChunkedSessionStore> {
  return new ChunkedSessionStore(await openBackend(storeUrl, options), logger, options);
}

/** The database a STORE_URL names. */
async function openBackend(storeUrl: string, options: { readonly readOnly?: boolean }): Promise<RecordBackend> {
  if (storeUrl === 'memory://') return new MemoryDatabase().connect();
  if (storeUrl.startsWith('sqlite://')) {
    const file = storeUrl.slice('sqlite://'.length);
    if (file === '') throw new Error('STORE_URL sqlite:// needs a file path, e.g. sqlite://data/contextcord.sqlite');
    return SqliteBackend.open(file, options.readOnly === true ? { readOnly: true } : {});
  }
  const scheme = storeUrl.split(':')[0] ?? storeUrl;
  throw new Error(`STORE_URL scheme "${scheme}:" is not supported yet: use sqlite://path/to/file.sqlite (the default) or memory://.`);
}
