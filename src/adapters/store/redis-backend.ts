import { createHash } from 'node:crypto';
import { createClient, ErrorReply } from '@redis/client';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../engine/session-store.js';
import type { RecordBackend, Row } from './backend.js';
import { VERSION_PREFIX, versionOfText } from './record.js';
import type { StoreLocation } from './store-url.js';

/** How long a command may wait for its answer before the turn that needs it fails (a server that hangs). */
const COMMAND_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;
/** Reconnection backoff after a lost connection: 50 ms doubling, at most this. */
const MAX_RECONNECT_DELAY_MS = 2000;
/** The bytes of a head that hold its version: VERSION_PREFIX and up to 15 digits (record.ts versionOfText). */
const VERSION_BYTES = VERSION_PREFIX.length + 15;
/**
 * Errors the server answers with when it cannot serve for now (loading its data, a replica that
 * lost its primary, a script running too long): the store is unavailable, not broken.
 */
const UNAVAILABLE_REPLIES = /^(LOADING|MASTERDOWN|BUSY|TRYAGAIN|READONLY|CLUSTERDOWN|NOREPLICAS)\b/;

/** record.ts versionOfText in Lua: the digits after VERSION_PREFIX at the start, at most 15, else 0. */
const LUA_VERSION_OF = `
local function version_of(text)
  if not text then return 0 end
  local digits = string.match(text, '^${VERSION_PREFIX.replace(/[\^$()%.[\]*+\-?]/g, '%$&')}(%d+)')
  if not digits then return 0 end
  return tonumber(string.sub(digits, 1, 15))
end
`;

interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS: the index, the head, the chunks. ARGV: expected version, the head's name and text, then
 * each chunk's name and text. The version check and every write are one script, which Redis runs
 * alone: no other command runs between the check and the writes.
 */
const COMMIT = script(`${LUA_VERSION_OF}
if version_of(redis.call('GET', KEYS[2])) ~= tonumber(ARGV[1]) then return 0 end
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 3, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2 * i - 1])
  redis.call('ZADD', KEYS[1], 0, ARGV[2 * i - 2])
end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[1], 0, ARGV[2])
return 1
`);

/** KEYS: the index, the record. ARGV: its name, its text. */
const PUT = script(`
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return 1
`);

/** KEYS: the index, the record. ARGV: its name, the text it must still hold. */
const DELETE_IF = script(`
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
`);

/** KEYS: the index, the records. ARGV: their names. */
const DELETE_MANY = script(`
for i = 2, #KEYS do
  redis.call('UNLINK', KEYS[i])
  redis.call('ZREM', KEYS[1], ARGV[i - 1])
end
return 1
`);

/** The client, with the options every connection gets; `connected` tells the reconnect strategy start-up is over. */
function redisClient(url: string, connected: () => boolean) {
  return createClient({
    url,
    // A call while the connection is down fails at once instead of waiting, unbounded, for it to come back.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // The first connection's failure is start-up's to report; after that, reconnect for ever.
      reconnectStrategy: (retries: number, cause: Error) => (connected() ? Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) : cause),
    },
  });
}

type RedisClient = ReturnType<typeof redisClient>;

/**
 * Records in Redis, laid out as @keyv/redis lays out a Keyv namespace: each record is a string
 * under `{namespace}::{key}` holding Keyv's envelope, so a Keyv on @keyv/redis with that
 * namespace reads them. The adapter itself is not used: it has no conditional write, and a
 * commit must check the head's version and write the chunks and the head as one step. So every
 * write is a Lua script on the adapter's own client library (@redis/client), with the version
 * check inside it; Redis runs a script alone, so a commit is all or nothing and no other writer
 * can slip in between the check and the write.
 *
 * The sweeps page through keys in order, which Redis's SCAN cannot do, so the same scripts keep
 * a sorted set of every record's name (`{namespace}:index`, outside Keyv's namespace) that
 * `keys` reads by range. (A record written some other way, e.g. by Keyv, is read but not swept.)
 * One Redis, or a primary with replicas; not Redis Cluster, whose scripts must stay in one slot.
 *
 * A lost connection is retried by the client with backoff, forever; while it is down every call
 * fails at once with StoreUnavailableError (no command is queued to run later), and the turns
 * that needed it say memory cannot be stored.
 */
export class RedisBackend implements RecordBackend {
  private readonly index: string;

  private constructor(
    private readonly client: RedisClient,
    private readonly namespace: string,
    private readonly display: string,
  ) {
    this.index = `${namespace}:index`;
  }

  /**
   * Connects (failing at once when the first attempt does, with the client's error), then
   * writes and deletes a probe record, so a server that answers but refuses writes (a replica,
   * a wrong password, no permission for scripts) fails now rather than at the first answer.
   */
  static async open(location: Extract<StoreLocation, { kind: 'redis' }>, logger?: Logger, options: { readonly readOnly?: boolean } = {}): Promise<RedisBackend> {
    let connected = false;
    let lost = false;
    const client = redisClient(location.url, () => connected);
    let failure: unknown;
    client.on('error', (error: unknown) => {
      // Before the first connection the client's own event carries the system error's code.
      failure ??= error;
      if (!connected || lost) return;
      lost = true;
      logger?.error({ err: error, store: location.display }, 'lost the connection to the store; reconnecting');
    });
    client.on('ready', () => {
      if (!lost) return;
      lost = false;
      logger?.info({ store: location.display }, 'the store is reachable again');
    });
    try {
      await client.connect();
    } catch (error) {
      if (client.isOpen) client.destroy();
      throw failure ?? error;
    }
    connected = true;
    const backend = new RedisBackend(client, location.namespace, location.display);
    // A store opened only to be read from (migrate's source) gets no probe either.
    if (options.readOnly === true) return backend;
    try {
      await backend.put({ key: 'probe', text: 'probe' });
      await backend.deleteMany(['probe']);
    } catch (error) {
      if (client.isOpen) client.destroy();
      throw error;
    }
    return backend;
  }

  private name(key: string): string {
    return `${this.namespace}::${key}`;
  }

  /** Sends one command; a connection-level failure becomes StoreUnavailableError. */
  private async send(args: readonly string[]): Promise<unknown> {
    try {
      return await this.client.sendCommand(args, { timeout: COMMAND_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof ErrorReply && !UNAVAILABLE_REPLIES.test(error.message)) throw error;
      throw new StoreUnavailableError('store_unavailable', { reason: 'unreachable', store: this.display }, { cause: error });
    }
  }

  /** Runs a script by its hash, sending its source only when the server does not have it (first use, or after a restart). */
  private async run(which: Script, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await this.send(['EVALSHA', which.sha, ...rest]);
    } catch (error) {
      if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
      return this.send(['EVAL', which.source, ...rest]);
    }
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.send(['GET', this.name(key)]);
    return typeof value === 'string' ? value : undefined;
  }

  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    if (keys.length === 0) return [];
    const values = (await this.send(['MGET', ...keys.map((key) => this.name(key))])) as unknown[];
    return keys.map((_, i) => {
      const value = values[i];
      return typeof value === 'string' ? value : undefined;
    });
  }

  /** Only the head's first bytes travel: the version is at its start. */
  async version(key: string): Promise<number> {
    const start = await this.send(['GETRANGE', this.name(key), '0', String(VERSION_BYTES - 1)]);
    return typeof start === 'string' && start !== '' ? versionOfText(start) : 0;
  }

  async commit(rows: readonly Row[], head: Row, expected: number): Promise<boolean> {
    const keys = [this.index, this.name(head.key), ...rows.map((row) => this.name(row.key))];
    const args = [String(expected), head.key, head.text, ...rows.flatMap((row) => [row.key, row.text])];
    return (await this.run(COMMIT, keys, args)) === 1;
  }

  async put(row: Row): Promise<void> {
    await this.run(PUT, [this.index, this.name(row.key)], [row.key, row.text]);
  }

  async deleteIf(key: string, text: string): Promise<boolean> {
    return (await this.run(DELETE_IF, [this.index, this.name(key)], [key, text])) === 1;
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.run(DELETE_MANY, [this.index, ...keys.map((key) => this.name(key))], keys);
  }

  async keys(prefix: string, after: string, limit: number): Promise<string[]> {
    // A range of the index, by name: [prefix, prefix with its last character raised), or all of it.
    const low = after > prefix ? `(${after}` : `[${prefix}`;
    const high = prefix === '' ? '+' : `(${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;
    const names = await this.send(['ZRANGEBYLEX', this.index, low, high, 'LIMIT', '0', String(limit)]);
    return (names as unknown[]).filter((name): name is string => typeof name === 'string');
  }

  /** Nothing to do: Redis keeps itself (its persistence, RDB or AOF, is the server's configuration). */
  maintain(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (!this.client.isOpen) return;
    if (!this.client.isReady) {
      // Down: nothing is in flight worth waiting for, and a clean close would wait for a reconnect.
      this.client.destroy();
      return;
    }
    await this.client.close();
  }
}
