/**
 * Section 1, the engine turn: what the engine does with its store for every answered mention,
 * `Memory.context` (the store's loadForContext → budget) then `Memory.commitRound` (load → the
 * domain's commitRound → the store's compare-and-set commit), on a real SQLite file in WAL mode
 * as openSessionStore sets it up. Sessions are stored as the bot leaves them (a head plus chunks,
 * committed round by round) and measured warm (decoded in the store's cache: the normal case)
 * and cold (the first turn after a restart, or for a session evicted from the cache).
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import KeyvSqlite from '@keyv/sqlite';
import { z } from 'zod';
import { type CachingSessionStore, DEFAULT_CACHED_MESSAGES } from '../src/adapters/store/caching-store.js';
import { EMPTY_LAYOUT, type Layout, planCommit } from '../src/adapters/store/layout.js';
import { openSessionStore } from '../src/adapters/store/open-session-store.js';
import { chunkRecord, decodeChunk, decodeHead, encodeRecord, headKey as storedHeadKey } from '../src/adapters/store/record.js';
import { SqliteBackend } from '../src/adapters/store/sqlite-backend.js';
import { applyChange, buildContext, commitRound, type Session } from '../src/domain/index.js';
import { Memory } from '../src/engine/memory.js';
import type { Snapshot } from '../src/engine/session-store.js';
import {
  type Exchange,
  exchanges,
  freshRound,
  messagePool,
  messageRules,
  saveByRounds,
  seededCopy,
  sessionDefaults,
  sessionWith,
  silentLogger,
  tempFile,
} from './fixtures.js';
import { type BenchOptions, bytes, checkTarget, count, ms, ratio, type SectionResult, type Table, targetText } from './report.js';
import { type SampleOptions, sample, sampleAlternating, sleep, summarize, type Summary } from './stats.js';
import { storesTable } from './stores.js';

const KEY = '1399999999999999999';
/** A second session in the same store, for timing the store's writes one by one. */
const SCRATCH_KEY = '1399999999999999998';
/** The store's key layout (record.ts) under the namespace, as keys appear in the SQLite `key` column. */
const NAMESPACE = 'contextcord:';
const headKey = storedHeadKey;
const chunkKey = (key: string, id: string): string => `chunk:${key}:${id}`;

type Mode = 'warm' | 'cold' | 'full' | 'v1';
function percent(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
}

const MODES: Record<Mode, string> = {
  warm: 'warm (cached)',
  cold: 'cold (read from SQLite)',
  full: 'cold, the cache full of other sessions (the commit reads the session whole)',
  v1: 'warm, migrated from a v1 record (the whole history in one)',
};

interface Engine {
  readonly store: CachingSessionStore;
  /** A connection of its own to the file, for reading rows back (sizes, raw text); not timed in turns. */
  readonly sqlite: KeyvSqlite;
  readonly memory: Memory;
  close(): Promise<void>;
}

async function openEngine(file: string, limit: number, cachedMessages?: number): Promise<Engine> {
  const options = { sweepAfterStartMs: Infinity, ...(cachedMessages === undefined ? {} : { cachedMessages }) };
  const store = await openSessionStore(`sqlite://${file}`, silentLogger, options);
  const sqlite = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 5000 });
  return {
    store,
    sqlite,
    memory: new Memory(store, sessionDefaults(limit), messageRules),
    close: async () => {
      await store.close();
      await sqlite.disconnect();
    },
  };
}

/**
 * One turn exactly as the engine makes it per answered mention (messages already made, tokens
 * counted; the two shallow copies in freshRound cost well under a microsecond).
 */
async function turn(memory: Memory, exchange: Exchange): Promise<void> {
  const [question, reply] = freshRound(exchange);
  await memory.context(KEY, question);
  await memory.commitRound(KEY, [question, reply]);
}

/** Bytes this process handed to write(2) so far (Linux); SQLite's WAL appends and checkpoints. */
function writtenBytes(): number | undefined {
  try {
    const match = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

const storedHeadSchema = z.object({ value: z.object({ chunks: z.array(z.object({ id: z.string() })) }) });

interface StoredHead {
  /** Bytes of the head's SQLite value (the JSON text). */
  readonly bytes: number;
  readonly chunks: readonly string[];
}

async function storedHead(engine: Engine): Promise<StoredHead> {
  const raw = await engine.sqlite.get<unknown>(NAMESPACE + headKey(KEY));
  if (typeof raw !== 'string') throw new Error(`no stored head under ${NAMESPACE}${headKey(KEY)}`);
  const { value } = storedHeadSchema.parse(JSON.parse(raw));
  return { bytes: Buffer.byteLength(raw), chunks: value.chunks.map((c) => c.id) };
}

/** Bytes of the SQLite values stored under `keys` (chunk ids of the benchmark session). */
async function chunkBytes(engine: Engine, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = (await engine.sqlite.query(
    'SELECT coalesce(sum(length(CAST(value AS BLOB))), 0) AS bytes FROM keyv WHERE key IN (SELECT value FROM json_each(?))',
    JSON.stringify(ids.map((id) => NAMESPACE + chunkKey(KEY, id))),
  )) as Array<{ bytes: number }>;
  return rows[0]?.bytes ?? 0;
}

interface Writes {
  /** Chunk values the turn wrote plus the head, read back from the SQLite rows. */
  readonly bytesPerTurn: number;
  readonly chunksWrittenPerTurn: number;
  readonly chunksDroppedPerTurn: number;
  /** The whole session as stored after the last turn: head plus every chunk. */
  readonly storedBytes: number;
  readonly storedChunks: number;
}

/** Plays `turns` more turns, reading after each what it wrote from the SQLite rows. */
async function measureWrites(engine: Engine, play: (i: number) => Promise<void>, turns: number, from: number): Promise<Writes> {
  let written = 0;
  let chunksWritten = 0;
  let chunksDropped = 0;
  for (let i = 0; i < turns; i += 1) {
    const before = await storedHead(engine);
    await play(from + i);
    const after = await storedHead(engine);
    const kept = new Set(after.chunks);
    const old = new Set(before.chunks);
    // Chunk records are immutable and their ids never reused, so the ids new in the head are this turn's.
    const fresh = after.chunks.filter((id) => !old.has(id));
    written += after.bytes + (await chunkBytes(engine, fresh));
    chunksWritten += fresh.length;
    chunksDropped += before.chunks.filter((id) => !kept.has(id)).length;
  }
  const last = await storedHead(engine);
  return {
    bytesPerTurn: written / turns,
    chunksWrittenPerTurn: chunksWritten / turns,
    chunksDroppedPerTurn: chunksDropped / turns,
    storedBytes: last.bytes + (await chunkBytes(engine, last.chunks)),
    storedChunks: last.chunks.length,
  };
}

/** The target's bound: turns slower than this are counted, and checked for a GC inside them. */
const SLOW_MS = 2;

interface Collection {
  readonly start: number;
  readonly duration: number;
}

/** Records V8's garbage collections (performance.now() times) until `stop`. */
function watchGc(): { stop: () => Promise<Collection[]> } {
  const seen: Collection[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) seen.push({ start: entry.startTime, duration: entry.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: async () => {
      // Entries reach the observer asynchronously; let the last ones arrive.
      await sleep(20);
      observer.disconnect();
      return seen;
    },
  };
}

interface HistoryFigure {
  readonly messages: number;
  readonly mode: Mode;
  readonly turn: Summary;
  /** Turns over SLOW_MS, and how many of them had a garbage collection running inside them. */
  readonly slowTurns: number;
  readonly slowTurnsWithGc: number;
  /** V8 GC time during the sampled turns, per turn. */
  readonly gcMsPerTurn: number;
  readonly writes: Writes;
  readonly writeBytesPerTurn: number | undefined;
}

function budgets(quick: boolean, messages: number): SampleOptions {
  const scale = quick ? 0.12 : 1;
  if (messages >= 10_000) return { warmup: quick ? 1 : 3, minSamples: quick ? 5 : 50, maxSamples: 5000, budgetMs: 8000 * scale };
  if (messages >= 1000) return { warmup: 20, minSamples: quick ? 50 : 500, maxSamples: 20_000, budgetMs: 8000 * scale };
  return { warmup: 50, minSamples: quick ? 100 : 1000, maxSamples: 50_000, budgetMs: 2000 * scale };
}

async function measureHistory(messages: number, mode: Mode, rounds: readonly Exchange[], options: BenchOptions): Promise<HistoryFigure> {
  const file = tempFile(`engine-${mode}-${String(messages)}`);
  let engine = await openEngine(file, messages);
  try {
    const session = sessionWith(messages);
    if (mode === 'v1') {
      // What the previous version of the store wrote: the whole history in one record.
      const history = session.history.map(({ seq: _seq, ...message }) => message);
      await engine.sqlite.set(NAMESPACE + headKey(KEY), encodeRecord({ v: 1, history, settings: session.settings }));
    } else {
      await saveByRounds(engine.store, KEY, session);
    }
    if (mode === 'full') {
      // A cache with no room (0 messages) is what a cache full of other sessions is to this one.
      await engine.close();
      engine = await openEngine(file, messages, 0);
    }
    engine.store.clearCache();
    const plan = budgets(options.quick, messages);
    const play = (i: number): Promise<void> => turn(engine.memory, rounds[i % rounds.length] ?? rounds[0]!);
    const before = mode === 'cold' ? (): void => engine.store.clearCache() : undefined;
    for (let i = 0; i < plan.warmup; i += 1) {
      before?.();
      await play(i);
    }
    const starts: number[] = [];
    const gcs = watchGc();
    const writtenBefore = writtenBytes();
    const samples = await sample(
      { ...plan, warmup: 0 },
      (i) => {
        starts.push(performance.now());
        return play(plan.warmup + i);
      },
      before,
    );
    const writtenAfter = writtenBytes();
    const collections = await gcs.stop();
    const writes = await measureWrites(
      engine,
      async (i) => {
        before?.();
        await play(i);
      },
      20,
      plan.warmup + samples.length,
    );
    const slow = samples.flatMap((d, k) => (d > SLOW_MS ? [{ start: starts[k] ?? 0, end: (starts[k] ?? 0) + d }] : []));
    return {
      messages,
      mode,
      turn: summarize(samples),
      slowTurns: slow.length,
      slowTurnsWithGc: slow.filter((t) => collections.some((gc) => gc.start < t.end && gc.start + gc.duration > t.start)).length,
      gcMsPerTurn: collections.reduce((sum, gc) => sum + gc.duration, 0) / samples.length,
      writes,
      writeBytesPerTurn:
        writtenBefore === undefined || writtenAfter === undefined ? undefined : (writtenAfter - writtenBefore) / samples.length,
    };
  } finally {
    await engine.close();
  }
}

interface Step {
  readonly step: string;
  /** A part of the row above it (already counted there), shown to say where that row's time goes. */
  readonly sub: boolean;
  readonly perWarmTurn: number;
  readonly perColdTurn: number;
  readonly summary: Summary;
}

/** The layout the store holds after saveByRounds (planCommit after each round). */
function layoutByRounds(session: Session, newId: () => string): Layout {
  let layout = EMPTY_LAYOUT;
  let before: Session = { history: [], settings: session.settings, next: 0 };
  for (let end = 2; end <= session.history.length; end += 2) {
    const change = { append: session.history.slice(end - 2, end) };
    const after = applyChange(before, change);
    layout = planCommit(layout, before, after, change, newId).layout;
    before = after;
  }
  return layout;
}

/**
 * Times the parts of a turn one by one, each with the real function: every part at 1 000
 * messages; with `loadOnly`, the cold load and its parts alone (for the 10 000-message stress case).
 */
async function breakdown(messages: number, loadOnly: boolean, rounds: readonly Exchange[], options: BenchOptions): Promise<Step[]> {
  const file = tempFile('breakdown');
  const engine = await openEngine(file, messages);
  // A connection of its own for replaying the store's statements on another session key.
  const scratch = await SqliteBackend.open(file);
  const { store, sqlite } = engine;
  try {
    await saveByRounds(store, KEY, sessionWith(messages));
    const head = await storedHead(engine);
    const headRow = NAMESPACE + headKey(KEY);
    const chunkRows = head.chunks.map((id) => NAMESPACE + chunkKey(KEY, id));
    const rawHead = await sqlite.get<unknown>(headRow);
    const rawChunks = await sqlite.getMany<unknown>(chunkRows);
    if (typeof rawHead !== 'string' || !rawChunks.every((c) => typeof c === 'string')) throw new Error('expected the stored records as text');
    const storedValue = (text: string): unknown => (JSON.parse(text) as { value: unknown }).value;
    const parsedHead = storedValue(rawHead);
    const parsedChunks = rawChunks.map((c) => storedValue(c));
    const loaded: Snapshot = await store.load(KEY);
    const session = loaded.session;
    const exchange = rounds[0]!;
    const settings = engine.memory.settings(session);
    const pick = (i: number): Exchange => rounds[i % rounds.length] ?? exchange;
    const plan: SampleOptions =
      messages >= 10_000
        ? { warmup: 3, minSamples: options.quick ? 5 : 30, maxSamples: 1000, budgetMs: options.quick ? 300 : 3000 }
        : { warmup: 20, minSamples: options.quick ? 30 : 300, maxSamples: 5000, budgetMs: options.quick ? 150 : 1000 };

    // The parts that change the session roll it forward: each sample first makes the next
    // round's change (untimed), then times its own step on it, as a turn would.
    let basis: Snapshot | undefined;
    let toCommit: { basis: Snapshot; change: ReturnType<typeof commitRound>['change'] } | undefined;
    let ids = 0;
    const newId = (): string => `bench.${(ids++).toString(36)}`;
    let planned = { session, layout: layoutByRounds(session, newId) };
    let toPlan = commitRound(session, freshRound(exchange), messages).change;
    let scratchVersion = 0;
    let scratchChunk = 0;
    const [question, reply] = freshRound(exchange);
    const scratchChunkText = encodeRecord(chunkRecord([{ ...question, seq: 0 }, { ...reply, seq: 1 }], Date.now()));
    const scratchHead = parsedHead as Record<string, unknown>;

    type Part = [step: string, warm: number, cold: number, run: (i: number) => unknown, before?: (i: number) => unknown];
    const warmLoad: Part[] = [
      ['store.load, warm (cache hit: the copy, once the store states its version)', 2, 0, () => store.load(KEY)],
      ['  of which store.version: one SELECT json_extract(value, \'$.value.ver\') on the primary key', 2, 0, () => store.version(KEY)],
    ];
    const coldLoad: Part[] = [
      [
        `store.loadForContext, cold: what context reads (head get + the pinned and newest chunks for a ${count(settings.tokenBudget)}-token budget, by domain partsForContext)`,
        0,
        1,
        () => store.loadForContext(KEY, () => settings.tokenBudget),
        () => store.clearCache(),
      ],
      [
        `store.load, cold: head get + getMany of ${count(chunkRows.length)} chunks + JSON.parse + zod per chunk`,
        0,
        1,
        () => store.load(KEY),
        () => store.clearCache(),
      ],
      [
        '  of which SQLite: the head SELECT + the chunks\' SELECT (raw text)',
        0,
        1,
        async () => {
          await sqlite.get(headRow);
          await sqlite.query('SELECT key, value FROM keyv WHERE key IN (SELECT value FROM json_each(?))', JSON.stringify(chunkRows));
        },
      ],
      [
        '    of which the chunks\' SELECT … IN json_each(?) itself',
        0,
        1,
        () => sqlite.query('SELECT key, value FROM keyv WHERE key IN (SELECT value FROM json_each(?))', JSON.stringify(chunkRows)),
      ],
      [
        `  of which JSON.parse (head + ${count(chunkRows.length)} chunks)`,
        0,
        1,
        () => {
          JSON.parse(rawHead);
          for (const raw of rawChunks) JSON.parse(raw);
        },
      ],
      [
        `  of which decodeHead + decodeChunk × ${count(chunkRows.length)} (zod)`,
        0,
        1,
        () => {
          decodeHead(parsedHead);
          for (const chunk of parsedChunks) decodeChunk(chunk);
        },
      ],
    ];
    const turnParts: Part[] = [
      [
        'buildContext (budget, cached token counts)',
        1,
        1,
        () =>
          buildContext({
            session,
            systemPrompt: settings.systemPrompt,
            question: exchange.question,
            budget: settings.tokenBudget,
            tokens: messageRules.tokens,
          }),
      ],
      ['commitRound (append + trim, domain: the session and its change)', 1, 1, () => commitRound(session, [exchange.question, exchange.reply], messages)],
      [
        'store.commit of the round\'s change: applyChange + planCommit + one INSERT … SELECT of the new chunk(s) and the head, compare-and-set (dropped chunks are deleted later)',
        1,
        1,
        async () => {
          if (toCommit === undefined) return;
          basis = await store.commit(toCommit.basis, toCommit.change);
        },
        async (i) => {
          basis ??= await store.load(KEY);
          toCommit = { basis, change: commitRound(basis.session, freshRound(pick(i)), messages).change };
        },
      ],
      [
        '  of which applyChange + planCommit (the chunks a change touches, by seq)',
        1,
        1,
        () => {
          const after = applyChange(planned.session, toPlan);
          planned = { session: after, layout: planCommit(planned.layout, planned.session, after, toPlan, newId).layout };
        },
        (i) => {
          toPlan = commitRound(planned.session, freshRound(pick(i)), messages).change;
        },
      ],
      [
        `  of which the commit statement: a new 2-message chunk and the head (${count(head.chunks.length)} chunks listed) if the head is still at its version, one SQLite statement`,
        1,
        1,
        async () => {
          scratchChunk += 1;
          const text = encodeRecord({ ...scratchHead, ver: scratchVersion + 1 });
          const rows = [{ key: chunkKey(SCRATCH_KEY, `bench.${String(scratchChunk)}`), text: scratchChunkText }];
          if (await scratch.commit(rows, { key: headKey(SCRATCH_KEY), text }, scratchVersion)) scratchVersion += 1;
        },
      ],
      [
        '  not in any turn: the housekeeping\'s deleteMany of a dropped chunk, one DELETE (once a second at most, all sessions\' dropped chunks together)',
        0,
        0,
        () => scratch.deleteMany([chunkKey(SCRATCH_KEY, `bench.${String(scratchChunk)}`)]),
        async () => {
          scratchChunk += 1;
          await scratch.put({ key: chunkKey(SCRATCH_KEY, `bench.${String(scratchChunk)}`), text: scratchChunkText });
        },
      ],
    ];
    const out: Step[] = [];
    const parts = loadOnly ? coldLoad : [...warmLoad, ...coldLoad, ...turnParts];
    for (const [step, perWarmTurn, perColdTurn, run, before] of parts) {
      const samples = await sample(
        plan,
        async (i) => {
          await run(i);
        },
        before === undefined
          ? undefined
          : async (i) => {
              await before(i);
            },
      );
      out.push({ step, sub: step.startsWith(' '), perWarmTurn, perColdTurn, summary: summarize(samples) });
    }
    return out;
  } finally {
    await scratch.close();
    await engine.close();
  }
}

interface OthersFigure {
  readonly fewOthers: number;
  readonly manyOthers: number;
  readonly warm: { readonly few: Summary; readonly many: Summary };
  readonly cold: { readonly few: Summary; readonly many: Summary };
  readonly seedSeconds: number;
}

/** The same 1 000-message turn in a store with few other sessions and in one with many. */
async function otherSessions(rounds: readonly Exchange[], options: BenchOptions): Promise<OthersFigure> {
  const fewOthers = 10;
  const manyOthers = options.quick ? 1000 : 10_000;
  const few = await seededCopy(fewOthers, 50);
  const many = await seededCopy(manyOthers, 50);
  const a = await openEngine(few.file, 1000);
  const b = await openEngine(many.file, 1000);
  try {
    await saveByRounds(a.store, KEY, sessionWith(1000));
    await saveByRounds(b.store, KEY, sessionWith(1000));
    const pick = (i: number): Exchange => rounds[i % rounds.length] ?? rounds[0]!;
    const playA = (i: number): Promise<void> => turn(a.memory, pick(i));
    const playB = (i: number): Promise<void> => turn(b.memory, pick(i));
    const warm = await sampleAlternating(
      { warmup: 20, minSamples: options.quick ? 50 : 400, maxSamples: 20_000, budgetMs: options.quick ? 1200 : 10_000 },
      playA,
      playB,
    );
    const cold = await sampleAlternating(
      { warmup: 10, minSamples: options.quick ? 30 : 200, maxSamples: 20_000, budgetMs: options.quick ? 600 : 5000 },
      playA,
      playB,
      () => {
        a.store.clearCache();
        b.store.clearCache();
      },
    );
    return {
      fewOthers,
      manyOthers,
      warm: { few: summarize(warm.a), many: summarize(warm.b) },
      cold: { few: summarize(cold.a), many: summarize(cold.b) },
      seedSeconds: few.seedSeconds + many.seedSeconds,
    };
  } finally {
    await a.close();
    await b.close();
  }
}

export async function engineSection(options: BenchOptions): Promise<SectionResult> {
  const rounds = exchanges(200, 11);
  const histories = [10, 100, 1000, 10_000];
  const figures: HistoryFigure[] = [];
  for (const mode of ['warm', 'cold'] as const) {
    for (const messages of histories) figures.push(await measureHistory(messages, mode, rounds, options));
  }
  // A store with no room in its cache, as in a bot busy in more channels than its cache holds.
  for (const messages of [1000, 10_000]) figures.push(await measureHistory(messages, 'full', rounds, options));
  figures.push(await measureHistory(1000, 'v1', rounds, options));
  const steps = await breakdown(1000, false, rounds, options);
  const stressLoad = await breakdown(10_000, true, rounds, options);
  const others = await otherSessions(rounds, options);
  const stores = await storesTable(rounds, options);

  const pool = messagePool();
  const meanTokens = pool.reduce((sum, m) => sum + m.tokens, 0) / pool.length;
  const meanChars = pool.reduce((sum, m) => sum + m.content.length, 0) / pool.length;
  const warmAt1000 = figures.find((f) => f.messages === 1000 && f.mode === 'warm');
  const coldAt1000 = figures.find((f) => f.messages === 1000 && f.mode === 'cold');
  const targets = warmAt1000 === undefined ? [] : [checkTarget('Engine turn p99 at 1 000 messages (warm)', warmAt1000.turn.p99, 2, 'ms')];
  const storeTargets = stores.targets;
  const turnTable: Table = {
    title: 'Engine turn: Memory.context + Memory.commitRound, SQLite (WAL) temp file',
    columns: [
      'history',
      'session',
      'p50',
      'p99',
      'runs',
      `turns over ${String(SLOW_MS)} ms (with a GC in them)`,
      'GC per turn',
      'written per turn (chunks + head)',
      'chunks written / dropped per turn',
      'stored (head + chunks)',
      'write(2) bytes per turn',
      'target',
    ],
    rows: figures.map((f) => [
      `${count(f.messages)} messages`,
      MODES[f.mode],
      ms(f.turn.p50),
      ms(f.turn.p99),
      count(f.turn.n),
      `${percent(f.slowTurns / f.turn.n)} (${percent(f.slowTurnsWithGc / f.turn.n)})`,
      ms(f.gcMsPerTurn),
      bytes(f.writes.bytesPerTurn),
      `${f.writes.chunksWrittenPerTurn.toFixed(0)} / ${f.writes.chunksDroppedPerTurn.toFixed(0)}`,
      `${bytes(f.writes.storedBytes)} (${count(f.writes.storedChunks)} chunks)`,
      f.writeBytesPerTurn === undefined ? 'n/a' : bytes(f.writeBytesPerTurn),
      f === warmAt1000 && targets[0] !== undefined ? `p99 ${targetText(targets[0])}` : f.mode === 'warm' ? '' : '(no target)',
    ]),
    notes: [
      'A turn is the two calls the engine makes per answered mention (Memory.context, then Memory.commitRound); the question and reply are made (tokens counted) beforehand, as the bot does while streaming. The session limit equals the history, so every turn also trims two messages (one round).',
      `Sessions are stored as the bot leaves them, committed round by round: a head plus immutable chunks (each round its own small chunk; every 8 small chunks at the end merge into one of 16 messages; a trim only marks messages gone in the head until more than half of a chunk is gone, then its survivors are rewritten; a pin changes the head only), so a 1 000-message session is about 70 rows. Every commit is compare-and-set on the head's version, in the one INSERT that writes the chunks and the head. "warm": the session is decoded in the store's cache (the normal case: up to ${count(DEFAULT_CACHED_MESSAGES)} messages of recently used sessions are held), and each of the turn's two reads checks the stored version first (one small SELECT each), so another process's commit is never hidden. "cold": store.clearCache() before each turn (as the first turn after a restart, or for a session evicted from the cache): context reads the head and only the chunks its budget can reach (every chunk with a pin and the newest ones, by domain partsForContext), then commitRound reads the session whole (head and every chunk) and keeps it cached, as the store does while its cache has room. "the cache full of other sessions": a store whose cache has no room, as in a bot busy in more channels than it holds: the context reads the same part, and the commit reads the session whole as well (the store no longer appends from part of a session: that path repeated the domain's trim and merge rules).`,
      'The v1 row starts from a record the first version wrote (the whole history in one value): its first save rewrites the history in chunks of about 128 messages, after which it behaves like any session. A version 2 head (one chunk per round) is rewritten the same way on its first save.',
      `Messages are realistic chat text of 20–80 words (${meanTokens.toFixed(0)} tokens, ${meanChars.toFixed(0)} characters on average). "written per turn" is the SQLite values (Keyv JSON) of the chunks the turn created plus the head, read back from the rows after each of 20 further turns; "write(2) bytes" is what the process handed to the kernel per turn (/proc/self/io wchar): WAL frames of 4 kB pages plus amortized checkpoints.`,
      `"turns over ${String(SLOW_MS)} ms" is the share of sampled turns slower than the target's bound, and in brackets the share that had a V8 garbage collection running inside them; "GC per turn" is V8's collection time during the sampled turns divided by the turns.`,
      '10 000 messages is beyond what the bot allows (HISTORY_LIMIT and /limit stop at 1 000): a stress figure.',
    ],
  };
  const top = steps.filter((s) => !s.sub);
  const sumWarm = top.reduce((sum, s) => sum + s.summary.p50 * s.perWarmTurn, 0);
  const sumCold = top.reduce((sum, s) => sum + s.summary.p50 * s.perColdTurn, 0);
  const times = (n: number): string => (n === 0 ? '' : String(n));
  const stepTable: Table = {
    title: 'Where a 1 000-message turn goes (each part timed alone, same stored session)',
    columns: ['part', 'times per warm turn', 'times per cold turn', 'p50', 'p99', 'p50 × times, warm', 'p50 × times, cold'],
    rows: [
      ...steps.map((s) => [
        s.step,
        times(s.perWarmTurn),
        times(s.perColdTurn),
        ms(s.summary.p50),
        ms(s.summary.p99),
        s.perWarmTurn === 0 ? '' : ms(s.summary.p50 * s.perWarmTurn),
        s.perColdTurn === 0 ? '' : ms(s.summary.p50 * s.perColdTurn),
      ]),
      ['sum of the parts (rows not marked "of which")', '', '', '', '', ms(sumWarm), ms(sumCold)],
      ['whole turn p50 (turn table above)', '', '', '', '', ms(warmAt1000?.turn.p50 ?? Number.NaN), ms(coldAt1000?.turn.p50 ?? Number.NaN)],
    ],
    notes: [
      'A turn reads the session twice (context, then commitRound under the session lock; warm, each is a version check and the cached copy) and commits once; a cold turn reads part of it for the context (loadForContext) and then all of it for the commit (the store cache has room here). The sum and the whole turn differ by Memory\'s own work (per-session queue, promise hops) and by the parts being timed in separate runs (other GC and cache state), which can go either way.',
      'The "of which" rows under store.commit replay the store\'s statement on another session key with the same shapes, on a connection of its own: the chunks and the head in one INSERT … SELECT that writes only if the head still states the version the change was based on (one WAL commit on the sqlite3 worker thread). Dropped chunks are deleted by the store\'s housekeeping, at most once a second after writes, in one DELETE for all sessions, followed by a WAL checkpoint on a second connection, so neither sits inside a turn.',
    ],
  };
  const coldAt10000 = figures.find((f) => f.messages === 10_000 && f.mode === 'cold');
  const stressTable: Table = {
    title: 'Where a cold load of 10 000 messages goes (stress case, each part timed alone)',
    columns: ['part', 'p50', 'p99', 'runs'],
    rows: [
      ...stressLoad.map((s) => [s.step, ms(s.summary.p50), ms(s.summary.p99), count(s.summary.n)]),
      ['whole cold turn p50 (turn table above)', ms(coldAt10000?.turn.p50 ?? Number.NaN), '', ''],
    ],
    notes: [
      'The store matches the rows of its chunk SELECT to keys through a Map (@keyv/sqlite\'s own getMany searched the rows once per key, quadratic in the chunk count).',
    ],
  };
  const othersRow = (mode: string, n: number, s: Summary): string[] => [mode, count(n), ms(s.p50), ms(s.p99), count(s.n)];
  const othersTable: Table = {
    title: 'Engine turn at 1 000 messages vs other sessions in the store (alternating turns, same run)',
    columns: ['turn', 'other sessions (50 messages each)', 'p50', 'p99', 'runs'],
    rows: [
      othersRow('warm', others.fewOthers, others.warm.few),
      othersRow('warm', others.manyOthers, others.warm.many),
      ['warm', `ratio ${count(others.manyOthers)} / ${count(others.fewOthers)}`, ratio(others.warm.many.p50 / others.warm.few.p50), ratio(others.warm.many.p99 / others.warm.few.p99), ''],
      othersRow('cold', others.fewOthers, others.cold.few),
      othersRow('cold', others.manyOthers, others.cold.many),
      ['cold', `ratio ${count(others.manyOthers)} / ${count(others.fewOthers)}`, ratio(others.cold.many.p50 / others.cold.few.p50), ratio(others.cold.many.p99 / others.cold.few.p99), ''],
    ],
    notes: ['Every stored session is committed round by round (25 rounds: three chunks of 16 messages merged from rounds, plus the last round), so the store with many sessions holds five rows per session.'],
  };
  return {
    name: 'engine',
    tables: [turnTable, stores.table, stepTable, stressTable, othersTable],
    targets: [...targets, ...storeTargets],
    data: {
      stores: stores.figures,
      histories: figures,
      breakdownAt1000: steps,
      coldLoadAt10000: stressLoad,
      breakdownSumP50: { warm: sumWarm, cold: sumCold },
      otherSessions: {
        ...others,
        ratioP50: others.warm.many.p50 / others.warm.few.p50,
        ratioP99: others.warm.many.p99 / others.warm.few.p99,
        coldRatioP50: others.cold.many.p50 / others.cold.few.p50,
        coldRatioP99: others.cold.many.p99 / others.cold.few.p99,
      },
    },
  };
}
