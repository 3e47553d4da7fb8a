/** One stored record: its key (without the database's namespace) and its text (record.ts's envelope). */
export interface Row {
  readonly key: string;
  readonly text: string;
}

/**
 * What the session store needs of a database: text records by key, and one conditional write.
 *
 * `commit` is the only way a head is written, and it is compare-and-set: it stores `head` only
 * if the head stored under that key still states version `expected` (0 for none, or a head
 * written before versions; see record.ts versionOfText), and it never overwrites a row of `rows`
 * (chunk records are immutable; their keys are fresh).
 * - A database with transactions does it all at once (SQLite: one statement): on a conflict
 *   nothing is stored.
 * - A database that can compare-and-set only one key writes `rows` first, each only if absent,
 *   and the head last: the head is the commit point. A crash or a lost race before it leaves
 *   only rows no head lists, which no reader ever sees and the store's orphan sweep removes once
 *   they are older than its grace. (The memory backend runs in this mode for tests.)
 */
export interface RecordBackend {
  get(key: string): Promise<string | undefined>;
  getMany(keys: readonly string[]): Promise<Array<string | undefined>>;
  /** The version the head under `key` states (0 for none): cheap, without decoding the record. */
  version(key: string): Promise<number>;
  /** True when stored; false when the head was not at `expected`, or a row's key was taken. */
  commit(rows: readonly Row[], head: Row, expected: number): Promise<boolean>;
  /** Stores a row under a key only this writer uses (a quarantined head). */
  put(row: Row): Promise<void>;
  /** Deletes `key` only while it still holds exactly `text`; true when it did. */
  deleteIf(key: string, text: string): Promise<boolean>;
  deleteMany(keys: readonly string[]): Promise<void>;
  /** Up to `limit` keys that start with `prefix` and sort after `after`, in order (for sweeps that page). */
  keys(prefix: string, after: string, limit: number): Promise<string[]>;
  /** Upkeep off the turns' path, run by the store's housekeeping (SQLite: a WAL checkpoint). */
  maintain(): Promise<void>;
  close(): Promise<void>;
}

/** Keys read per page when walking a backend's keys, so no walk holds a whole table's keys. */
const KEYS_PAGE = 500;

/** Every key with `prefix`, in order, a page at a time (for sweeps and for tools that walk every session). */
export async function* pagesOfKeys(backend: RecordBackend, prefix: string, page = KEYS_PAGE): AsyncGenerator<string[]> {
  for (let after = ''; ; ) {
    const keys = await backend.keys(prefix, after, page);
    const last = keys.at(-1);
    if (last === undefined) return;
    yield keys;
    after = last;
  }
}
