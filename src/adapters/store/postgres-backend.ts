import pg from 'pg';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../engine/session-store.js';
import type { RecordBackend, Row } from './backend.js';
import { VERSION_PREFIX } from './record.js';
import type { StoreLocation } from './store-url.js';

/** Keys carry Keyv's namespace, as in the SQLite table, so a Keyv on @keyv/postgres with namespace `contextcord` reads them. */
const NAMESPACE = 'contextcord:';
/** How long a connection may take to open, and a statement to answer, before the turn that needs it fails. */
const CONNECT_TIMEOUT_MS = 5000;
const QUERY_TIMEOUT_MS = 5000;
/** Connections the pool keeps at most: a turn uses one for each of its few statements, one after another. */
const POOL_SIZE = 10;
/**
 * SQLSTATE codes that mean the server cannot serve for now (a connection problem, an
 * administrator's or a crash's shutdown, too many clients, a standby): the store is
 * unavailable, not broken, and the pool connects again by itself on the next query.
 */
const UNAVAILABLE_CODES = /^(08...|57P0[1-4]|53300|25006)$/;

/** The least text above every text that starts with `prefix` (not empty): its last character raised by one. */
function raised(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Tries of a read on connections the server ended while they were idle (the pool drops each one that fails). */
const READ_ATTEMPTS = 3;

/** A connection that was ended (by the server, an administrator, the network), as opposed to one that cannot be made or timed out. */
function brokenConnection(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return /^(57P01|57P02|08006|08003)$/.test(error.code ?? '');
  return error instanceof Error && /Connection terminated unexpectedly|not queryable|ECONNRESET|EPIPE/.test(`${error.message} ${String((error as { code?: unknown }).code)}`);
}

/** record.ts versionOfText in SQL: the digits after VERSION_PREFIX at the start (at most 15), else 0. */
function versionOf(column: string): string {
  const pattern = `^${VERSION_PREFIX.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}([0-9]{1,15})`;
  // Only the first bytes are taken (a long head is stored compressed, and PostgreSQL then decompresses only that slice).
  return `coalesce(substring(substr(${column}, 1, ${String(VERSION_PREFIX.length + 15)}) from '${pattern.replace(/'/g, "''")}')::bigint, 0)`;
}

/** A commit: `writeHead` (parameters $1 key, $2 text, $3 expected version), then the chunks ($4 keys, $5 texts) if it wrote. */
function commitStatement(table: string, writeHead: string): string {
  return `WITH head AS (${writeHead} RETURNING 1), chunks AS (
      INSERT INTO ${table} (key, value) SELECT k, v FROM unnest($4::varchar[], $5::text[]) AS c(k, v) WHERE EXISTS (SELECT 1 FROM head)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM head)::int AS head, (SELECT count(*) FROM chunks)::int AS chunks`;
}

/**
 * Records in PostgreSQL, in the table @keyv/postgres makes (`keyv`: key VARCHAR(255) primary
 * key, value text; schema `public` unless `?schema=`), so a Keyv on @keyv/postgres reads them.
 * The adapter itself is not used: its queries go through a pool it keeps to itself, one
 * statement each, and a commit must check the head's version and write the chunks and the head
 * together. So this uses the adapter's client library (node-postgres) with a pool of its own,
 * and a commit is ONE statement (below), which PostgreSQL runs as one transaction.
 *
 * A connection that breaks (the server restarts, an administrator ends it) fails only the
 * statements on it, with StoreUnavailableError; the pool drops it and opens a new one for the
 * next statement, so the store comes back by itself once the server does.
 */
export class PostgresBackend implements RecordBackend {
  private readonly table: string;
  private readonly statements: Readonly<Record<'get' | 'getMany' | 'version' | 'commitFirst' | 'commitNext' | 'put' | 'deleteIf' | 'deleteMany' | 'keysFrom' | 'keysAfter', string>>;

  private constructor(
    private readonly pool: pg.Pool,
    schema: string,
    private readonly display: string,
  ) {
    this.table = `"${schema}".keyv`;
    const t = this.table;
    this.statements = {
      get: `SELECT value FROM ${t} WHERE key = $1`,
      getMany: `SELECT key, value FROM ${t} WHERE key = ANY($1::varchar[])`,
      version: `SELECT ${versionOf('value')}::text AS ver FROM ${t} WHERE key = $1`,
      // The head first: writing it takes the head row's lock (a concurrent commit on the session
      // waits for it), and it is written only if the version, as it stands once locked, is the
      // expected one (PostgreSQL checks an UPDATE's WHERE, and ON CONFLICT's, again on the row
      // it locked). The chunks are written only if the head was, and a chunk key already taken
      // fails the whole statement (unique violation), so nothing of it is kept.
      // On a session's first commit (expected 0) there may be no head, or one from before versions.
      commitFirst: commitStatement(
        t,
        `INSERT INTO ${t} AS stored (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE ${versionOf('stored.value')} = $3`,
      ),
      commitNext: commitStatement(t, `UPDATE ${t} AS stored SET value = $2 WHERE key = $1 AND ${versionOf('stored.value')} = $3`),
      put: `INSERT INTO ${t} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      deleteIf: `DELETE FROM ${t} WHERE key = $1 AND value = $2 RETURNING 1`,
      deleteMany: `DELETE FROM ${t} WHERE key = ANY($1::varchar[])`,
      // Byte order (COLLATE "C"), as the sweeps page: the database's own collation may sort otherwise.
      keysFrom: `SELECT key FROM ${t} WHERE key COLLATE "C" >= $1 AND key COLLATE "C" < $2 ORDER BY key COLLATE "C" LIMIT $3`,
      keysAfter: `SELECT key FROM ${t} WHERE key COLLATE "C" > $1 AND key COLLATE "C" < $2 ORDER BY key COLLATE "C" LIMIT $3`,
    };
  }

  /**
   * Connects, makes the schema, the table and (for a table whose keys do not sort by byte) an
   * index the sweeps' range reads can use, then writes and deletes a probe row, so a database
   * that cannot be reached or written fails now, with the driver's error.
   */
  static async open(location: Extract<StoreLocation, { kind: 'postgres' }>, logger?: Logger, options: { readonly readOnly?: boolean } = {}): Promise<PostgresBackend> {
    const pool = new pg.Pool({
      connectionString: location.connectionString,
      max: POOL_SIZE,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      // Opened only to be read from (migrate's source): the server refuses any write, and no table or probe is made.
      ...(options.readOnly === true ? { options: '-c default_transaction_read_only=on' } : {}),
    });
    let lost = false;
    // An idle connection that breaks is reported here (the pool has already dropped it); without a listener it would end the process.
    pool.on('error', (error) => {
      if (lost) return;
      lost = true;
      logger?.error({ err: error, store: location.display }, 'lost a connection to the store; the next statement opens a new one');
    });
    pool.on('connect', () => {
      if (!lost) return;
      lost = false;
      logger?.info({ store: location.display }, 'connected to the store again');
    });
    const backend = new PostgresBackend(pool, location.schema, location.display);
    if (options.readOnly === true) return backend;
    try {
      await backend.prepare(location.schema);
      await backend.put({ key: 'probe', text: 'probe' });
      await backend.deleteMany(['probe']);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return backend;
  }

  private async prepare(schema: string): Promise<void> {
    const ignoreRace = (error: unknown): void => {
      // Two processes creating the same table at once: one loses with a duplicate, and the table is there.
      if (!(error instanceof pg.DatabaseError && (error.code === '23505' || error.code === '42P07' || error.code === '42P06'))) throw error;
    };
    if (schema !== 'public') await this.pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).catch(ignoreRace);
    // @keyv/postgres's table, with byte-ordered keys when it is ours to create.
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.table}(key VARCHAR(255) COLLATE "C" PRIMARY KEY, value TEXT)`).catch(ignoreRace);
    const collation = await this.pool.query<{ collation: string | null }>(
      `SELECT collation_name AS collation FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'keyv' AND column_name = 'key'`,
      [schema],
    );
    if (collation.rows[0]?.collation !== 'C') {
      // A table @keyv/postgres made sorts keys by the database's collation.
      await this.pool.query(`CREATE INDEX IF NOT EXISTS keyv_key_bytes ON ${this.table} (key COLLATE "C")`).catch(ignoreRace);
    }
  }

  /**
   * Runs a statement; a connection-level failure becomes StoreUnavailableError. A read whose
   * connection turns out to have been ended while idle (the pool had not heard yet) is sent
   * again on another: reading twice changes nothing. A write is never sent twice, since the
   * first may have been carried out.
   */
  private async query<R extends pg.QueryResultRow>(which: keyof PostgresBackend['statements'], values: readonly unknown[], read = false): Promise<pg.QueryResult<R>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        // Named, so each connection parses and plans each statement once.
        return await this.pool.query<R>({ name: `contextcord-${which}-${this.table}`, text: this.statements[which], values: [...values] });
      } catch (error) {
        if (error instanceof pg.DatabaseError && !UNAVAILABLE_CODES.test(error.code ?? '')) throw error;
        if (read && attempt < READ_ATTEMPTS && brokenConnection(error)) continue;
        throw new StoreUnavailableError('store_unavailable', { reason: 'unreachable', store: this.display }, { cause: error });
      }
    }
  }

  async get(key: string): Promise<string | undefined> {
    const result = await this.query<{ value: string }>('get', [NAMESPACE + key], true);
    return result.rows[0]?.value;
  }

  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    if (keys.length === 0) return [];
    const result = await this.query<{ key: string; value: string }>('getMany', [keys.map((key) => NAMESPACE + key)], true);
    const byKey = new Map(result.rows.map((row) => [row.key, row.value]));
    return keys.map((key) => byKey.get(NAMESPACE + key));
  }

  async version(key: string): Promise<number> {
    const result = await this.query<{ ver: string }>('version', [NAMESPACE + key], true);
    const ver = result.rows[0]?.ver;
    return ver === undefined ? 0 : Number(ver);
  }

  async commit(rows: readonly Row[], head: Row, expected: number): Promise<boolean> {
    try {
      const result = await this.query<{ head: number; chunks: number }>(expected === 0 ? 'commitFirst' : 'commitNext', [
        NAMESPACE + head.key,
        head.text,
        expected,
        rows.map((row) => NAMESPACE + row.key),
        rows.map((row) => row.text),
      ]);
      return result.rows[0]?.head === 1 && result.rows[0].chunks === rows.length;
    } catch (error) {
      // A chunk key another commit already wrote: the statement, head and all, was rolled back.
      if (error instanceof pg.DatabaseError && error.code === '23505') return false;
      throw error;
    }
  }

  async put(row: Row): Promise<void> {
    await this.query('put', [NAMESPACE + row.key, row.text]);
  }

  async deleteIf(key: string, text: string): Promise<boolean> {
    return ((await this.query('deleteIf', [NAMESPACE + key, text])).rowCount ?? 0) > 0;
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.query('deleteMany', [keys.map((key) => NAMESPACE + key)]);
  }

  async keys(prefix: string, after: string, limit: number): Promise<string[]> {
    // A range on the key: [prefix, prefix with its last character raised), or after `after` in it.
    const high = raised(NAMESPACE + prefix);
    const result =
      after > prefix
        ? await this.query<{ key: string }>('keysAfter', [NAMESPACE + after, high, limit], true)
        : await this.query<{ key: string }>('keysFrom', [NAMESPACE + prefix, high, limit], true);
    return result.rows.map((row) => row.key.slice(NAMESPACE.length));
  }

  /** Nothing to do: PostgreSQL's autovacuum keeps the table. */
  maintain(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
