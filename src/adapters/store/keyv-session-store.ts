import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import type { Logger } from 'pino';
import { emptySession, type Session } from '../../domain/session.js';
import type { SessionStore } from '../../services/session-store.js';
import { decodeSession, encodeSession } from './session-record.js';

const NAMESPACE = 'contextcord';
const SESSION_PREFIX = 'session:';
const QUARANTINE_PREFIX = 'quarantine:';

/** What a stored value decodes to when its text is not JSON at all, so it can still be set aside. */
interface Undecodable {
  readonly undecodable: string;
}

/**
 * Sessions in any Keyv store. Keyv swallows store errors by default and reports a miss, which
 * would make a failing database look like an empty session that then overwrites the real one:
 * `throwOnErrors` makes those failures loud instead.
 */
export class KeyvSessionStore implements SessionStore {
  constructor(
    private readonly keyv: Keyv,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async load(key: string): Promise<Session> {
    const value: unknown = await this.keyv.get(SESSION_PREFIX + key);
    if (value === undefined) return emptySession();
    const decoded = isUndecodable(value) ? { ok: false as const, reason: 'not JSON' } : decodeSession(value);
    if (decoded.ok) return decoded.session;
    const aside = `${QUARANTINE_PREFIX}${key}:${this.now()}`;
    await this.keyv.set(aside, value);
    await this.keyv.delete(SESSION_PREFIX + key);
    this.logger.error(
      { session: key, quarantinedAs: aside, reason: decoded.reason },
      'stored session could not be decoded; it was set aside and the session starts fresh',
    );
    return emptySession();
  }

  async save(key: string, session: Session): Promise<void> {
    await this.keyv.set(SESSION_PREFIX + key, encodeSession(session));
  }

  async delete(key: string): Promise<void> {
    await this.keyv.delete(SESSION_PREFIX + key);
  }

  /** Raw access for tests and tools (e.g. to read a quarantined record). */
  get raw(): Keyv {
    return this.keyv;
  }

  async close(): Promise<void> {
    await this.keyv.disconnect();
  }
}

function isUndecodable(value: unknown): value is Undecodable {
  return typeof value === 'object' && value !== null && 'undecodable' in value;
}

function deserialize(text: string): { value: unknown; expires?: number } {
  try {
    return JSON.parse(text) as { value: unknown; expires?: number };
  } catch {
    return { value: { undecodable: text } satisfies Undecodable };
  }
}

function baseKeyv(store: ConstructorParameters<typeof Keyv>[0]): Keyv {
  return new Keyv(store as never, {
    namespace: NAMESPACE,
    throwOnErrors: true,
    serialize: JSON.stringify,
    // Keyv types its deserializer generically over the value; ours yields unknown, checked later.
    deserialize: deserialize as never,
  });
}

/** Opens the store a STORE_URL names: `sqlite://path` (default) or `memory://`. */
export async function openSessionStore(storeUrl: string, logger: Logger): Promise<KeyvSessionStore> {
  if (storeUrl === 'memory://') {
    return new KeyvSessionStore(baseKeyv(undefined), logger);
  }
  if (storeUrl.startsWith('sqlite://')) {
    const file = storeUrl.slice('sqlite://'.length);
    if (file === '') throw new Error('STORE_URL sqlite:// needs a file path, e.g. sqlite://data/contextcord.sqlite');
    const path = file === ':memory:' ? file : resolve(file);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 5000 });
    // WAL lets readers and the writer proceed together and makes each commit one append,
    // not a rewrite of the journal; NORMAL sync is still crash-safe in WAL mode.
    if (path !== ':memory:') {
      await sqlite.query('PRAGMA journal_mode=WAL');
      await sqlite.query('PRAGMA synchronous=NORMAL');
    }
    return new KeyvSessionStore(baseKeyv(sqlite), logger);
  }
  const scheme = storeUrl.split(':')[0] ?? storeUrl;
  throw new Error(
    `STORE_URL scheme "${scheme}:" is not supported yet: use sqlite://path/to/file.sqlite (the default) or memory://.`,
  );
}
