import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import sqlite3 from 'sqlite3';
import { StoreUnavailableError } from '../../engine/session-store.js';
import type { RecordBackend, Row } from './backend.js';
import { VERSION_PREFIX } from './record.js';

/** Keys in the table carry Keyv's namespace, so databases written by the Keyv-based store open as they are. */
const NAMESPACE = 'contextcord:';
/** @keyv/sqlite's table, exactly: the Keyv-based versions' databases open as they are. */
const CREATE_TABLE = 'CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT )';
/** WAL pages (4 kB) after which SQLite checkpoints by itself if our housekeeping has not. */
const SAFETY_NET_CHECKPOINT_PAGES = 10_000;
/** Rows a statement binds as parameters (2 each); bigger batches travel as one JSON parameter. */
const MAX_BOUND_ROWS = 1000;
/**
 * The version a head's text states, as record.ts versionOfText reads it: the integer after
 * VERSION_PREFIX, else 0. (CAST takes the leading digits of `12,"v":4,…`.)
 */
const VERSION_OF_VALUE = `CASE WHEN substr(value, 1, ${String(VERSION_PREFIX.length)}) = '${VERSION_PREFIX}' THEN CAST(substr(value, ${String(VERSION_PREFIX.length + 1)}, 16) AS INTEGER) ELSE 0 END`;
/** Commits of up to this many rows keep their prepared statement (a turn writes two or three). */
const PREPARED_ROWS = 8;

/**
 * One sqlite3 connection whose statements are prepared once and reused: preparing the commit
 * statement costs about as much as running it, and a turn runs three statements.
 */
class Connection {
  private readonly statements = new Map<string, sqlite3.Statement>();

  private constructor(private readonly db: sqlite3.Database) {}

  static open(path: string, readOnly = false): Promise<Connection> {
    const mode = readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(path, mode, (error) => {
        if (error !== null) reject(error);
        else {
          db.configure('busyTimeout', 5000);
          resolve(new Connection(db));
        }
      });
    });
  }

  /** Runs `sql` from its prepared statement (prepared on first use, kept when `keep`). */
  all(sql: string, parameters: readonly unknown[], keep = true): Promise<unknown[]> {
    if (!keep) {
      return new Promise((resolve, reject) => {
        this.db.all(sql, parameters, (error: Error | null, rows: unknown[]) => (error === null ? resolve(rows) : reject(error)));
      });
    }
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    const prepared = statement;
    return new Promise((resolve, reject) => {
      // node-sqlite3 queues the calls on one statement, so binding and running stay together.
      prepared.all(parameters, (error: Error | null, rows: unknown[]) => (error === null ? resolve(rows) : reject(error)));
    });
  }

  async close(): Promise<void> {
    for (const statement of this.statements.values()) {
      await new Promise<void>((resolve) => statement.finalize(() => resolve()));
    }
    this.statements.clear();
    await new Promise<void>((resolve, reject) => this.db.close((error) => (error === null ? resolve() : reject(error))));
  }
}

/**
 * Records in a SQLite file, in the table @keyv/sqlite made (`keyv`: key, value text), with
 * statements of our own: a commit is one statement (below), batches are single statements too.
 */
export class SqliteBackend implements RecordBackend {
  private constructor(
    private readonly connection: Connection,
    /** A second connection for checkpoints, off the writer's (none for `:memory:`). */
    private readonly checkpointer: Connection | undefined,
    /** The file and its identity when opened (none for `:memory:`), to notice it deleted or replaced. */
    private readonly file: { readonly path: string; readonly dev: number; readonly ino: number } | undefined,
  ) {}

  /**
   * Opens (and creates, with its folder) the file; `:memory:` is a private in-memory database.
   * With `readOnly` the file must exist and nothing is written to it: no table is made, no
   * probe written, no checkpoint run (SQLite may still add empty -wal and -shm files beside a
   * WAL database, as any reader does).
   */
  static async open(file: string, options: { readonly readOnly?: boolean } = {}): Promise<SqliteBackend> {
    const path = file === ':memory:' ? file : resolve(file);
    if (options.readOnly === true && path !== ':memory:') {
      const connection = await Connection.open(path, true);
      const { dev, ino } = statSync(path);
      return new SqliteBackend(connection, undefined, { path, dev, ino });
    }
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const connection = await Connection.open(path);
    if (path === ':memory:') {
      await connection.all(CREATE_TABLE, [], false);
      return new SqliteBackend(connection, undefined, undefined);
    }
    // WAL lets readers and the writer proceed together and makes each commit one append, not a
    // rewrite of the journal; NORMAL sync is still crash-safe in WAL mode.
    await connection.all('PRAGMA journal_mode=WAL', [], false);
    await connection.all('PRAGMA synchronous=NORMAL', [], false);
    // SQLite would otherwise checkpoint inside whichever commit crosses 1 000 WAL pages, copying
    // pages and syncing the file on a turn's path. A second connection checkpoints instead, in
    // the housekeeping; the far higher automatic threshold is only a safety net.
    await connection.all(`PRAGMA wal_autocheckpoint=${String(SAFETY_NET_CHECKPOINT_PAGES)}`, [], false);
    await connection.all(CREATE_TABLE, [], false);
    // A write probe, so a database that opens but cannot be written fails now, with its path,
    // rather than at the first answer.
    await connection.all('INSERT INTO keyv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [`${NAMESPACE}probe`, 'probe'], false);
    await connection.all('DELETE FROM keyv WHERE key = ?', [`${NAMESPACE}probe`], false);
    const { dev, ino } = statSync(path);
    return new SqliteBackend(connection, await Connection.open(path), { path, dev, ino });
  }

  /**
   * Throws StoreUnavailableError once the file is gone or another file stands at its path: SQLite
   * would go on reading and writing the deleted file, and all of it would be lost at the next start.
   * One stat per read of a version and per commit, a few microseconds.
   */
  private checkFile(): void {
    if (this.file === undefined) return;
    const now = statSync(this.file.path, { throwIfNoEntry: false });
    if (now === undefined) throw new StoreUnavailableError('store_unavailable', { reason: 'file_gone', path: this.file.path });
    if (now.ino !== this.file.ino || now.dev !== this.file.dev) {
      throw new StoreUnavailableError('store_unavailable', { reason: 'file_replaced', path: this.file.path });
    }
  }

  private query(sql: string, ...parameters: unknown[]): Promise<unknown[]> {
    return this.connection.all(sql, parameters);
  }

  async get(key: string): Promise<string | undefined> {
    this.checkFile();
    const rows = (await this.query('SELECT value FROM keyv WHERE key = ?', NAMESPACE + key)) as Array<{ value: string }>;
    return rows[0]?.value;
  }

  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    if (keys.length === 0) return [];
    const rows = (await this.query(
      'SELECT key, value FROM keyv WHERE key IN (SELECT value FROM json_each(?))',
      JSON.stringify(keys.map((key) => NAMESPACE + key)),
    )) as Array<{ key: string; value: string }>;
    // Matched through a Map: @keyv/sqlite's own getMany searches the rows once per key.
    const byKey = new Map(rows.map((row) => [row.key, row.value]));
    return keys.map((key) => byKey.get(NAMESPACE + key));
  }

  async version(key: string): Promise<number> {
    this.checkFile();
    const rows = (await this.query(
      `SELECT ${VERSION_OF_VALUE} AS ver FROM keyv WHERE key = ?`,
      NAMESPACE + key,
    )) as Array<{ ver: unknown }>;
    const ver = rows[0]?.ver;
    return typeof ver === 'number' ? ver : 0;
  }

  /**
   * The chunks and the head in one statement, so one implicit transaction: every row is
   * inserted only if the stored head still states `expected` and no chunk key is taken, both
   * checked by the statement itself (SQLite reads the WHERE's subqueries before inserting, as it
   * materializes a SELECT from the table it inserts into). RETURNING says whether it wrote.
   */
  async commit(rows: readonly Row[], head: Row, expected: number): Promise<boolean> {
    this.checkFile();
    const all = [...rows, head];
    const taken = rows.length === 0 ? '' : 'AND NOT EXISTS (SELECT 1 FROM keyv WHERE key IN (SELECT value FROM json_each(?)))';
    const takenParameter = rows.length === 0 ? [] : [JSON.stringify(rows.map((row) => NAMESPACE + row.key))];
    const current = `coalesce((SELECT ${VERSION_OF_VALUE} FROM keyv WHERE key = ?), 0) = ?`;
    const upsert = 'ON CONFLICT(key) DO UPDATE SET value = excluded.value RETURNING key';
    const check = [NAMESPACE + head.key, expected, ...takenParameter];
    const written =
      all.length <= MAX_BOUND_ROWS
        ? await this.connection.all(
            `INSERT INTO keyv (key, value) SELECT column1, column2 FROM (VALUES ${all.map(() => '(?, ?)').join(', ')})
             WHERE ${current} ${taken} ${upsert}`,
            [...all.flatMap((row) => [NAMESPACE + row.key, row.text]), ...check],
            all.length <= PREPARED_ROWS,
          )
        : await this.connection.all(
            `INSERT INTO keyv (key, value) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
             WHERE ${current} ${taken} ${upsert}`,
            [JSON.stringify(all.map((row) => [NAMESPACE + row.key, row.text])), ...check],
            false,
          );
    return written.length === all.length;
  }

  async put(row: Row): Promise<void> {
    this.checkFile();
    await this.query('INSERT INTO keyv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', NAMESPACE + row.key, row.text);
  }

  async deleteIf(key: string, text: string): Promise<boolean> {
    const rows = (await this.query('DELETE FROM keyv WHERE key = ? AND value = ? RETURNING key', NAMESPACE + key, text));
    return rows.length > 0;
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.query('DELETE FROM keyv WHERE key IN (SELECT value FROM json_each(?))', JSON.stringify(keys.map((key) => NAMESPACE + key)));
  }

  async keys(prefix: string, after: string, limit: number): Promise<string[]> {
    // A range on the primary key: [prefix, prefix with its last character raised).
    const low = NAMESPACE + (after > prefix ? after : prefix);
    const high = NAMESPACE + prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const rows = (await this.query(
      `SELECT key FROM keyv WHERE key ${after > prefix ? '>' : '>='} ? AND key < ? ORDER BY key LIMIT ?`,
      low,
      high,
      limit,
    )) as Array<{ key: string }>;
    return rows.map((row) => row.key.slice(NAMESPACE.length));
  }

  async maintain(): Promise<void> {
    await this.checkpointer?.all('PRAGMA wal_checkpoint(PASSIVE)', [], false);
  }

  /**
   * A consistent copy of the whole database written to `file`, which must not exist (SQLite's
   * VACUUM INTO): it reads in one transaction, so the copy is the database as one moment left it,
   * WAL included, while other connections go on writing.
   */
  async copyTo(file: string): Promise<void> {
    this.checkFile();
    await this.connection.all('VACUUM INTO ?', [file], false);
  }

  /** Raw SQL on the store's connection (not prepared for reuse), for tests, tools and the benchmark's seeding. */
  run(sql: string, ...parameters: unknown[]): Promise<unknown[]> {
    return this.connection.all(sql, parameters, false);
  }

  async close(): Promise<void> {
    await this.connection.close();
    await this.checkpointer?.close();
  }
}
