import { emptySession, sameSession } from '../domain/session.js';
import { type ChunkedSessionStore, UnreadableSessionError } from '../adapters/store/chunked-store.js';
import { type Snapshot, StoreConflictError } from '../engine/session-store.js';

/** The stores a migration runs on. */
export interface MigrationStores {
  /** Opened read-only: nothing of it is changed. */
  readonly source: ChunkedSessionStore;
  /** Where sessions are written. */
  readonly target: ChunkedSessionStore;
  /**
   * The target again, read-only: what it holds is checked and read back through it, so a
   * damaged record there is reported, not set aside, and a read-back never sees the writer's
   * own idea of what it wrote.
   */
  readonly targetReader: ChunkedSessionStore;
}

export type MigrationPhase = 'checking' | 'copying';

export interface MigrationOptions {
  /** Replace sessions the target holds different data for (else the migration refuses and writes nothing). */
  readonly overwrite: boolean;
  /** Told after each session of a phase. */
  readonly progress?: (phase: MigrationPhase, done: number, total: number) => void;
}

export type SessionProblem =
  /** The source's record of the session cannot be decoded: it stays where it is, not copied. */
  | { readonly kind: 'unreadable'; readonly key: string; readonly reason: string }
  /** The target changed while the migration ran (something else writes to it). */
  | { readonly kind: 'target-changed'; readonly key: string }
  /** Read back from the target, the session is not the source's. */
  | { readonly kind: 'mismatch'; readonly key: string }
  /** Writing or reading back failed. */
  | { readonly kind: 'failed'; readonly key: string; readonly error: unknown };

export interface MigrationReport {
  /** Sessions in the source. */
  readonly sessions: number;
  /** Sessions written to the target (`replaced` of them held different data there). */
  readonly copied: number;
  readonly replaced: number;
  /** Sessions the target already held exactly as the source does: not written. */
  readonly identical: number;
  /** Sessions read back from the target and found exactly as in the source (copied and identical ones). */
  readonly verified: number;
  /** Sessions the target holds different data for, without `overwrite`: then nothing was written. */
  readonly refused: readonly string[];
  readonly problems: readonly SessionProblem[];
}

/** What the target holds for a session, compared with the source. */
type Standing = 'identical' | 'absent' | 'different';

/**
 * Copies every session of `source` to `target`, exactly (domain sameSession), in two passes:
 * the first compares each session with what the target holds, and if the target holds different
 * data for any session and `overwrite` is not set, stops there having written nothing; the
 * second writes the sessions the target lacks (or holds differently, with `overwrite`), each
 * compare-and-set on the version just read, and reads each back to check it. Sessions the target
 * already holds exactly are not written, so a second run writes nothing. Sessions only the target
 * holds are left alone. Run with no bot on either store: a session the source gains meanwhile
 * is missed, and a target write races a bot's (the compare-and-set catches that one).
 */
export async function migrate(stores: MigrationStores, options: MigrationOptions): Promise<MigrationReport> {
  const problems: SessionProblem[] = [];
  const keys: string[] = [];
  for await (const key of stores.source.sessionKeys()) keys.push(key);

  const toCopy: string[] = [];
  const refused: string[] = [];
  let identical = 0;
  for (const [i, key] of keys.entries()) {
    const source = await readSource(stores.source, key, problems);
    if (source !== undefined) {
      const standing = await standingOf(stores.targetReader, key, source);
      if (standing === 'identical') identical += 1;
      else {
        toCopy.push(key);
        if (standing === 'different') refused.push(key);
      }
    }
    options.progress?.('checking', i + 1, keys.length);
  }
  if (refused.length > 0 && !options.overwrite) {
    return { sessions: keys.length, copied: 0, replaced: 0, identical, verified: identical, refused, problems };
  }

  let copied = 0;
  let replaced = 0;
  let verified = identical;
  for (const [i, key] of toCopy.entries()) {
    const outcome = await copyOne(stores, key, options.overwrite, problems);
    if (outcome !== 'skipped') {
      if (outcome === 'identical') identical += 1;
      else {
        copied += 1;
        if (outcome === 'replaced') replaced += 1;
      }
      verified += 1;
    }
    options.progress?.('copying', i + 1, toCopy.length);
  }
  return { sessions: keys.length, copied, replaced, identical, verified, refused: [], problems };
}

async function readSource(source: ChunkedSessionStore, key: string, problems: SessionProblem[]): Promise<Snapshot | undefined> {
  try {
    return await source.load(key);
  } catch (error) {
    if (!(error instanceof UnreadableSessionError)) throw error;
    problems.push({ kind: 'unreadable', key, reason: error.reason });
    return undefined;
  }
}

async function standingOf(reader: ChunkedSessionStore, key: string, source: Snapshot): Promise<Standing> {
  let held: Snapshot;
  try {
    held = await reader.load(key);
  } catch (error) {
    // A damaged record is different data: only --overwrite replaces it.
    if (error instanceof UnreadableSessionError) return 'different';
    throw error;
  }
  if (sameSession(held.session, source.session)) return 'identical';
  // Version 0 with data is a record from before versions; an empty session of version 0 is nothing stored.
  return held.version === 0 && sameSession(held.session, emptySession()) ? 'absent' : 'different';
}

/** One session written and read back: how it went, or 'skipped' with the problem recorded. */
async function copyOne(
  stores: MigrationStores,
  key: string,
  overwrite: boolean,
  problems: SessionProblem[],
): Promise<'copied' | 'replaced' | 'identical' | 'skipped'> {
  const source = await readSource(stores.source, key, problems);
  if (source === undefined) return 'skipped';
  try {
    // The writer's own read: a damaged record is set aside here, and the write replaces it.
    const basis = await stores.target.load(key);
    if (sameSession(basis.session, source.session)) return 'identical';
    const absent = basis.version === 0 && sameSession(basis.session, emptySession());
    if (!absent && !overwrite) {
      // The first pass found nothing there: something else wrote it since.
      problems.push({ kind: 'target-changed', key });
      return 'skipped';
    }
    await stores.target.replace(basis, source.session);
    const back = await stores.targetReader.load(key);
    if (!sameSession(back.session, source.session)) {
      problems.push({ kind: 'mismatch', key });
      return 'skipped';
    }
    return absent ? 'copied' : 'replaced';
  } catch (error) {
    problems.push(error instanceof StoreConflictError ? { kind: 'target-changed', key } : { kind: 'failed', key, error });
    return 'skipped';
  }
}
