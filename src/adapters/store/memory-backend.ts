import type { RecordBackend, Row } from './backend.js';
import { versionOfText } from './record.js';

export interface MemoryBackendOptions {
  /**
   * Whether a commit is atomic (as on SQLite), or, like a database with single-key
   * compare-and-set only, writes the chunk rows one by one and then the head, letting other
   * work run in between (see RecordBackend).
   */
  readonly transactions?: boolean;
}

/**
 * A database in memory that several store instances can share (each `connect()` is another
 * writer on it), for `memory://` and for testing what two processes on one database do.
 */
export class MemoryDatabase {
  readonly rows = new Map<string, string>();

  connect(options: MemoryBackendOptions = {}): RecordBackend {
    return new MemoryBackend(this.rows, options.transactions ?? true);
  }
}

class MemoryBackend implements RecordBackend {
  constructor(
    private readonly rows: Map<string, string>,
    private readonly transactions: boolean,
  ) {}

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.rows.get(key));
  }

  getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    return Promise.resolve(keys.map((key) => this.rows.get(key)));
  }

  version(key: string): Promise<number> {
    return Promise.resolve(versionOfText(this.rows.get(key)));
  }

  async commit(rows: readonly Row[], head: Row, expected: number): Promise<boolean> {
    if (this.transactions) {
      if (versionOfText(this.rows.get(head.key)) !== expected || rows.some((row) => this.rows.has(row.key))) return false;
      for (const row of rows) this.rows.set(row.key, row.text);
      this.rows.set(head.key, head.text);
      return true;
    }
    for (const row of rows) {
      // Set-if-absent, one key at a time, with other work free to run between the writes.
      await Promise.resolve();
      if (this.rows.has(row.key)) return false;
      this.rows.set(row.key, row.text);
    }
    await Promise.resolve();
    if (versionOfText(this.rows.get(head.key)) !== expected) return false;
    this.rows.set(head.key, head.text);
    return true;
  }

  put(row: Row): Promise<void> {
    this.rows.set(row.key, row.text);
    return Promise.resolve();
  }

  deleteIf(key: string, text: string): Promise<boolean> {
    if (this.rows.get(key) !== text) return Promise.resolve(false);
    this.rows.delete(key);
    return Promise.resolve(true);
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.rows.delete(key);
    return Promise.resolve();
  }

  keys(prefix: string, after: string, limit: number): Promise<string[]> {
    // Sorted on every call: fine for tests and trials, which is what memory:// is for.
    const keys = [...this.rows.keys()].filter((key) => key.startsWith(prefix) && key > after).sort();
    return Promise.resolve(keys.slice(0, limit));
  }

  maintain(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
