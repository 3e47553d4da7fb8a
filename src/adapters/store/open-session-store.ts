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
  if (storeUrl === 'memory://') return sessionStoreOn(new MemoryDatabase().connect(), logger, options);
  if (storeUrl.startsWith('sqlite://')) {
    const file = storeUrl.slice('sqlite://'.length);
    if (file === '') throw new Error('STORE_URL sqlite:// needs a file path, e.g. sqlite://data/contextcord.sqlite');
    return sessionStoreOn(await SqliteBackend.open(file), logger, options);
  }
  const scheme = storeUrl.split(':')[0] ?? storeUrl;
  throw new Error(`STORE_URL scheme "${scheme}:" is not supported yet: use sqlite://path/to/file.sqlite (the default) or memory://.`);
}
