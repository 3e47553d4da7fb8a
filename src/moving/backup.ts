import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ChunkedSessionStore, UnreadableSessionError } from '../adapters/store/chunked-store.js';
import { SqliteBackend } from '../adapters/store/sqlite-backend.js';

/** Why a backup was not made, before anything was written. */
export type BackupRefusal =
  | { readonly kind: 'not-sqlite'; readonly scheme: string }
  | { readonly kind: 'exists'; readonly file: string }
  | { readonly kind: 'no-store'; readonly file: string }
  | { readonly kind: 'same-file'; readonly file: string };

export interface BackupReport {
  readonly from: string;
  readonly file: string;
  readonly bytes: number;
  readonly sessions: number;
  readonly messages: number;
  /** Sessions the copy holds that cannot be decoded (as the store held them: a copy is faithful). */
  readonly unreadable: readonly string[];
}

export interface BackupOptions {
  /** Replace FILE if it exists. */
  readonly force: boolean;
  readonly logger: Logger;
  /** Told after each session of the copy is read back. */
  readonly progress?: (done: number, total: number) => void;
}

/**
 * Writes a consistent copy of the SQLite store `storeUrl` names to `file`, while a bot may be
 * writing to it: SQLite's VACUUM INTO reads the database in one read transaction, WAL included
 * (SqliteBackend.copyTo), on a read-only connection of its own. The copy is written beside
 * `file` under a temporary name, checked (SQLite's integrity check, then every session read
 * back whole), and only then put in place: atomically replacing `file` with `force`, else linked
 * to it only if `file` still does not exist. A failed backup leaves no file behind.
 */
export async function backup(storeUrl: string, file: string, options: BackupOptions): Promise<BackupReport | BackupRefusal> {
  if (!storeUrl.startsWith('sqlite://')) return { kind: 'not-sqlite', scheme: storeUrl.split(':')[0] ?? storeUrl };
  const from = resolve(storeUrl.slice('sqlite://'.length));
  const to = resolve(file);
  if (to === from) return { kind: 'same-file', file: to };
  if (!existsSync(from)) return { kind: 'no-store', file: from };
  if (existsSync(to) && !options.force) return { kind: 'exists', file: to };
  mkdirSync(dirname(to), { recursive: true });
  const partial = join(dirname(to), `.${basename(to)}.partial-${randomBytes(4).toString('hex')}`);
  try {
    const source = await SqliteBackend.open(from, { readOnly: true });
    try {
      await source.copyTo(partial);
    } finally {
      await source.close();
    }
    const checked = await check(partial, options);
    if (options.force) renameSync(partial, to);
    else {
      // A link fails if FILE appeared meanwhile: it is never overwritten without --force.
      try {
        linkSync(partial, to);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { kind: 'exists', file: to };
        throw error;
      }
    }
    return { from, file: to, bytes: statSync(to).size, ...checked };
  } finally {
    rmSync(partial, { force: true });
  }
}

/** SQLite's integrity check of the copy, then every session in it read whole. */
async function check(file: string, options: BackupOptions): Promise<Pick<BackupReport, 'sessions' | 'messages' | 'unreadable'>> {
  const backend = await SqliteBackend.open(file, { readOnly: true });
  const integrity = (await backend.run('PRAGMA integrity_check')) as Array<{ integrity_check?: unknown }>;
  if (integrity.length !== 1 || integrity[0]?.integrity_check !== 'ok') {
    await backend.close();
    throw new Error(`the copy failed SQLite's integrity check: ${JSON.stringify(integrity.slice(0, 3))}`);
  }
  const store = new ChunkedSessionStore(backend, options.logger, { readOnly: true });
  try {
    const keys: string[] = [];
    for await (const key of store.sessionKeys()) keys.push(key);
    let messages = 0;
    const unreadable: string[] = [];
    for (const [i, key] of keys.entries()) {
      try {
        messages += (await store.load(key)).session.history.length;
      } catch (error) {
        if (!(error instanceof UnreadableSessionError)) throw error;
        unreadable.push(key);
      }
      options.progress?.(i + 1, keys.length);
    }
    return { sessions: keys.length, messages, unreadable };
  } finally {
    await store.close();
  }
}
