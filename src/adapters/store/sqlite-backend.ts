import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import type { RecordBackend, Row } from './backend.js';
import { VERSION_PATH } from './record.js';

/** Keys in the table carry Keyv's namespace, so databases written by the Keyv-based store open as they are. */
const NAMESPACE = 'contextcord:';
/** WAL pages (4 kB) after which SQLite checkpoints by itself if our housekeeping has not. */
const SAFETY_NET_CHECKPOINT_PAGES = 10_000;
/** Rows a statement binds as parameters (2 each); bigger batches travel as one JSON parameter. */
const MAX_BOUND_ROWS = 1000;

type Query = (sql: string, ...parameters: unknown[]) => Promise<unknown>;

/**
 * Records in a SQLite file, in @keyv/sqlite's table (`keyv`: key, value text). It opens the
 * connection and creates the table; every statement is our own, so that a commit is one
 * statement (below) and batches are single statements too.
 */
export class SqliteBackend implements RecordBackend {
  private constructor(
    private readonly query: Query,
    private readonly connections: readonly KeyvSqlite[],
  ) {}

  /** Opens (and creates, with its folder) the file; `:memory:` is a private in-memory database. */
  static async open(file: string): Promise<SqliteBackend> {
    const path = file === ':memory:' ? file : resolve(file);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 5000 });
    const query: Query = (sql, ...parameters) => sqlite.query(sql, ...parameters);
    if (path === ':memory:') return new SqliteBackend(query, [sqlite]);
    // WAL lets readers and the writer proceed together and makes each commit one append, not a
    // rewrite of the journal; NORMAL sync is still crash-safe in WAL mode.
    await query('PRAGMA journal_mode=WAL');
    await query('PRAGMA synchronous=NORMAL');
    // SQLite would otherwise checkpoint inside whichever commit crosses 1 000 WAL pages, copying
    // pages and syncing the file on a turn's path. A second connection checkpoints instead, in
    // the housekeeping; the far higher automatic threshold is only a safety net.
    await query(`PRAGMA wal_autocheckpoint=${String(SAFETY_NET_CHECKPOINT_PAGES)}`);
    const checkpointer = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 5000 });
    const backend = new SqliteBackend(query, [sqlite, checkpointer]);
    backend.checkpoint = async () => {
      await checkpointer.query('PRAGMA wal_checkpoint(PASSIVE)');
    };
    return backend;
  }

  private checkpoint: () => Promise<void> = () => Promise.resolve();

  async get(key: string): Promise<string | undefined> {
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
    const rows = (await this.query(
      `SELECT CASE WHEN json_valid(value) THEN json_extract(value, '${VERSION_PATH}') END AS ver FROM keyv WHERE key = ?`,
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
    const all = [...rows, head];
    const taken = rows.length === 0 ? '' : 'AND NOT EXISTS (SELECT 1 FROM keyv WHERE key IN (SELECT value FROM json_each(?)))';
    const takenParameter = rows.length === 0 ? [] : [JSON.stringify(rows.map((row) => NAMESPACE + row.key))];
    const current = `coalesce((SELECT CASE WHEN json_valid(value) THEN json_extract(value, '${VERSION_PATH}') END FROM keyv WHERE key = ?), 0) = ?`;
    const upsert = 'ON CONFLICT(key) DO UPDATE SET value = excluded.value RETURNING key';
    let written: unknown[];
    if (all.length <= MAX_BOUND_ROWS) {
      written = (await this.query(
        `INSERT INTO keyv (key, value) SELECT column1, column2 FROM (VALUES ${all.map(() => '(?, ?)').join(', ')})
         WHERE ${current} ${taken} ${upsert}`,
        ...all.flatMap((row) => [NAMESPACE + row.key, row.text]),
        NAMESPACE + head.key,
        expected,
        ...takenParameter,
      )) as unknown[];
    } else {
      written = (await this.query(
        `INSERT INTO keyv (key, value) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
         WHERE ${current} ${taken} ${upsert}`,
        JSON.stringify(all.map((row) => [NAMESPACE + row.key, row.text])),
        NAMESPACE + head.key,
        expected,
        ...takenParameter,
      )) as unknown[];
    }
    return written.length === all.length;
  }

  async put(row: Row): Promise<void> {
    await this.query('INSERT INTO keyv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', NAMESPACE + row.key, row.text);
  }

  async deleteIf(key: string, text: string): Promise<boolean> {
    const rows = (await this.query('DELETE FROM keyv WHERE key = ? AND value = ? RETURNING key', NAMESPACE + key, text)) as unknown[];
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

  maintain(): Promise<void> {
    return this.checkpoint();
  }

  /** Raw SQL on the store's connection, for tests and tools. */
  run(sql: string, ...parameters: unknown[]): Promise<unknown> {
    return this.query(sql, ...parameters);
  }

  async close(): Promise<void> {
    for (const connection of this.connections) await connection.disconnect();
  }
}
