import { pagesOfKeys, type RecordBackend } from './backend.js';
import {
  CHUNK_PREFIX,
  chunkIdOf,
  chunkSession,
  decodeRecord,
  headKey,
  listedChunkIds,
  parseQuarantineKey,
  QUARANTINE_PREFIX,
  quarantinePrefix,
  writtenAt,
} from './record.js';

/** Set-aside heads of one session read at once. */
const PAGE = 500;

export interface SweepOptions {
  readonly now: number;
  /** Unlisted chunks younger than this are spared: a commit on a backend without transactions may be under way. */
  readonly orphanGraceMs: number;
  readonly quarantineMs: number;
}

/**
 * Deletes set-aside heads older than `quarantineMs` (their time is in their key). The chunks
 * only they listed are then listed by nothing, and the orphan sweep after it removes them.
 */
export async function sweepQuarantine(backend: RecordBackend, options: SweepOptions): Promise<number> {
  let removed = 0;
  for await (const keys of pagesOfKeys(backend, QUARANTINE_PREFIX)) {
    const old = keys.filter((key) => {
      const parsed = parseQuarantineKey(key);
      return parsed !== undefined && options.now - parsed.at >= options.quarantineMs;
    });
    await backend.deleteMany(old);
    removed += old.length;
  }
  return removed;
}

/**
 * Deletes chunks that neither their session's head nor a set-aside head of that session lists,
 * written longer than the grace ago: left by a crash between the chunk write and the head write,
 * a commit that lost a race on a backend without transactions, a dropped chunk whose deferred
 * delete a restart lost, or a session whose head is gone. It works from stored data alone, so
 * it finds what any process left, at any time. A chunk unlisted now cannot be listed later: a
 * head that lists it is older than the current one, and a commit on it fails its version check.
 * When a head cannot be read well enough to tell what it lists, its session is left alone.
 */
export async function sweepOrphans(backend: RecordBackend, options: SweepOptions): Promise<number> {
  let removed = 0;
  for await (const keys of pagesOfKeys(backend, CHUNK_PREFIX)) {
    const bySession = new Map<string, string[]>();
    for (const key of keys) {
      const session = chunkSession(key);
      if (session !== undefined) bySession.set(session, [...(bySession.get(session) ?? []), key]);
    }
    const sessions = [...bySession.keys()];
    const heads = await backend.getMany(sessions.map(headKey));
    const unlisted: string[] = [];
    for (const [i, session] of sessions.entries()) {
      const listed = listedBy(heads[i]);
      if (listed === undefined) continue;
      const chunks = (bySession.get(session) ?? []).filter((key) => !listed.has(chunkIdOf(key)));
      if (chunks.length === 0) continue;
      const spared = await listedByQuarantine(backend, session);
      if (spared === undefined) continue;
      unlisted.push(...chunks.filter((key) => !spared.has(chunkIdOf(key))));
    }
    if (unlisted.length === 0) continue;
    const values = await backend.getMany(unlisted);
    const old = unlisted.filter((_, i) => {
      const text = values[i];
      return text !== undefined && options.now - writtenAt(decodeRecord(text)?.value) >= options.orphanGraceMs;
    });
    await backend.deleteMany(old);
    removed += old.length;
  }
  return removed;
}

/** What a stored head lists (nothing when there is none); undefined when it cannot be told. */
function listedBy(text: string | undefined): Set<string> | undefined {
  if (text === undefined) return new Set();
  const record = decodeRecord(text);
  return record === undefined ? undefined : listedChunkIds(record.value);
}

async function listedByQuarantine(backend: RecordBackend, session: string): Promise<Set<string> | undefined> {
  const keys = await backend.keys(quarantinePrefix(session), '', PAGE);
  const texts = await backend.getMany(keys);
  const all = new Set<string>();
  for (const text of texts) {
    const listed = listedBy(text);
    if (listed === undefined) return undefined;
    for (const id of listed) all.add(id);
  }
  return all;
}
