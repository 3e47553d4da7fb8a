/**
 * Section 1, the engine turn: what the bot does with its store for every answered mention,
 * `SessionService.context` (load → budget) then `SessionService.commitRound` (load → append →
 * trim → save), on a real SQLite file in WAL mode as openSessionStore sets it up. Sessions are
 * stored as the bot leaves them (a head plus chunks, saved round by round) and measured warm (decoded in
 * the store's cache: the normal case) and cold (the first turn after a restart, or for a session
 * evicted from the cache).
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import KeyvSqlite from '@keyv/sqlite';
import { z } from 'zod';
import { type KeyvSessionStore, openSessionStore } from '../src/adapters/store/keyv-session-store.js';
import { decodeChunk, decodeHead, EMPTY_LAYOUT, type Layout, planChunks } from '../src/adapters/store/session-record.js';
import { buildContext, commitRound, type HistoryMessage, type Session } from '../src/domain/index.js';
import { SessionService } from '../src/services/session-service.js';
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

const KEY = '1399999999999999999';
/** A second session in the same store, for timing the store's writes one by one. */
const SCRATCH_KEY = '1399999999999999998';
/**
 * The store's key layout (keyv-session-store.ts) under Keyv's namespace, as keys appear in the
 * SQLite `key` column; the `raw` Keyv adds the namespace itself.
 */
const NAMESPACE = 'contextcord:';
const headKey = (key: string): string => `session:${key}`;
const chunkKey = (key: string, id: number): string => `chunk:${key}:${String(id)}`;

type Mode = 'warm' | 'cold' | 'full' | 'v1';
function percent(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
}

const MODES: Record<Mode, string> = {
  warm: 'warm (cached)',
  cold: 'cold (read from SQLite)',
  full: 'cold, the cache full of other sessions (the commit appends in part)',
  v1: 'warm, migrated from a v1 record (the whole history in one)',
};

interface Engine {
  readonly store: KeyvSessionStore;
  readonly sqlite: KeyvSqlite;
  readonly sessions: SessionService;
}

async function openEngine(file: string, limit: number, cachedMessages?: number): Promise<Engine> {
  const store = await openSessionStore(`sqlite://${file}`, silentLogger, cachedMessages === undefined ? {} : { cachedMessages });
  const adapter: unknown = store.raw.store;
  if (!(adapter instanceof KeyvSqlite)) throw new Error('expected the SQLite adapter behind the store');
  return { store, sqlite: adapter, sessions: new SessionService(store, sessionDefaults(limit), messageRules) };
}

/**
 * One turn exactly as ChatService makes it (messages already made, tokens counted; the two
 * shallow copies in freshRound cost well under a microsecond).
 */
async function turn(sessions: SessionService, exchange: Exchange): Promise<void> {
  const [question, reply] = freshRound(exchange);
  await sessions.context(KEY, question);
  await sessions.commitRound(KEY, [question, reply]);
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

const storedHeadSchema = z.object({ value: z.object({ chunks: z.array(z.object({ id: z.number() })), next: z.number() }) });

interface StoredHead {
  /** Bytes of the head's SQLite value (Keyv's JSON text). */
  readonly bytes: number;
  readonly chunks: readonly number[];
  readonly next: number;
}

async function storedHead(engine: Engine): Promise<StoredHead> {
  const raw = await engine.sqlite.get<unknown>(NAMESPACE + headKey(KEY));
  if (typeof raw !== 'string') throw new Error(`no stored head under ${NAMESPACE}${headKey(KEY)}`);
  const { value } = storedHeadSchema.parse(JSON.parse(raw));
  return { bytes: Buffer.byteLength(raw), chunks: value.chunks.map((c) => c.id), next: value.next };
}

/** Bytes of the SQLite values stored under `keys` (chunk ids of the benchmark session). */
async function chunkBytes(engine: Engine, ids: readonly number[]): Promise<number> {
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
    // Chunk ids are never reused, so the ones at or past the old `next` are this turn's.
    const fresh = after.chunks.filter((id) => id >= before.next);
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
      await engine.store.raw.set(headKey(KEY), { v: 1, history: session.history, settings: session.settings });
    } else {
      await saveByRounds(engine.store, KEY, session);
    }
    if (mode === 'full') {
      // A cache with no room (0 messages) is what a cache full of other sessions is to this one.
      await engine.store.close();
      engine = await openEngine(file, messages, 0);
    }
    engine.store.clearCache();
    const plan = budgets(options.quick, messages);
    const play = (i: number): Promise<void> => turn(engine.sessions, rounds[i % rounds.length] ?? rounds[0]!);
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
    await engine.store.close();
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

/** The layout the store holds after saveByRounds (planChunks after each round), ids from 0. */
function layoutByRounds(history: readonly HistoryMessage[]): Layout {
  let layout = EMPTY_LAYOUT;
  for (let end = 2; end <= history.length; end += 2) layout = planChunks(layout, history.slice(0, end)).layout;
  return layout;
}

/**
 * Times the parts of a turn one by one, each with the real function: every part at 1 000
 * messages; with `loadOnly`, the cold load and its parts alone (for the 10 000-message stress case).
 */
async function breakdown(messages: number, loadOnly: boolean, rounds: readonly Exchange[], options: BenchOptions): Promise<Step[]> {
  const engine = await openEngine(tempFile('breakdown'), messages);
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
    const session: Session = await store.load(KEY);
    const exchange = rounds[0]!;
    const settings = engine.sessions.settings(session);
    const pick = (i: number): Exchange => rounds[i % rounds.length] ?? exchange;
    const plan: SampleOptions =
      messages >= 10_000
        ? { warmup: 3, minSamples: options.quick ? 5 : 30, maxSamples: 1000, budgetMs: options.quick ? 300 : 3000 }
        : { warmup: 20, minSamples: options.quick ? 30 : 300, maxSamples: 5000, budgetMs: options.quick ? 150 : 1000 };

    // The parts that change the session roll it forward: each sample first commits the next
    // round (untimed), then times its own step on the result, as a turn would.
    // Read when its step starts: the cold-load steps before it replace the cached session's objects.
    let saved: Session | undefined;
    let toSave = session;
    let planned = { session, layout: layoutByRounds(session.history) };
    let toPlan = session;
    let scratchId = 0;
    const scratchHead = { v: 3, settings: {}, chunks: head.chunks.map((id) => ({ id })), next: head.next };

    type Part = [step: string, warm: number, cold: number, run: (i: number) => unknown, before?: (i: number) => unknown];
    const warmLoad: Part = ['store.load, warm (cache hit)', 2, 0, () => store.load(KEY)];
    const coldLoad: Part[] = [
      [
        `store.loadRecent, cold: what context reads (head get + the pinned and newest chunks for a ${count(settings.tokenBudget)}-token budget)`,
        0,
        1,
        () => store.loadRecent(KEY, () => settings.tokenBudget),
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
        '  of which SQLite: head get + chunk getMany (@keyv/sqlite, raw text)',
        0,
        1,
        async () => {
          await sqlite.get(headRow);
          await sqlite.getMany(chunkRows);
        },
      ],
      [
        '    of which the SELECT … IN json_each(?) itself (the rest is getMany matching rows to keys)',
        0,
        1,
        () => sqlite.query('SELECT * FROM keyv WHERE key IN (SELECT value FROM json_each(?))', JSON.stringify(chunkRows)),
      ],
      [
        `  of which JSON.parse (head + ${count(chunkRows.length)} chunks, Keyv's deserialize)`,
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
      ['commitRound (append + trim, domain)', 1, 1, () => commitRound(session, [exchange.question, exchange.reply], messages)],
      [
        'store.save of the committed round: planChunks + one setMany of the new chunk(s) and head (dropped chunks are deleted later)',
        1,
        1,
        async () => {
          await store.save(KEY, toSave);
          saved = toSave;
        },
        async (i) => {
          saved ??= await store.load(KEY);
          toSave = commitRound(saved, freshRound(pick(i)), messages).session;
        },
      ],
      [
        '  of which planChunks',
        1,
        1,
        () => {
          planned = { session: toPlan, layout: planChunks(planned.layout, toPlan.history).layout };
        },
        (i) => {
          toPlan = commitRound(planned.session, freshRound(pick(i)), messages).session;
        },
      ],
      [
        `  of which one Keyv setMany: a new 2-message chunk and the head (${count(head.chunks.length)} chunks listed), one SQLite statement`,
        1,
        1,
        async () => {
          scratchId += 1;
          await store.raw.setMany([
            { key: chunkKey(SCRATCH_KEY, scratchId), value: { v: 2, messages: [exchange.question, exchange.reply] } },
            { key: headKey(SCRATCH_KEY), value: { ...scratchHead, next: scratchHead.next + scratchId } },
          ]);
        },
      ],
      [
        '  not in any turn: the housekeeping\'s Keyv deleteMany of a dropped chunk, one DELETE (once a second at most, all sessions\' dropped chunks together)',
        0,
        0,
        () => store.raw.deleteMany([chunkKey(SCRATCH_KEY, scratchId)]),
        async () => {
          scratchId += 1;
          await store.raw.set(chunkKey(SCRATCH_KEY, scratchId), { v: 2, messages: [exchange.question, exchange.reply] });
        },
      ],
    ];
    const out: Step[] = [];
    const parts = loadOnly ? coldLoad : [warmLoad, ...coldLoad, ...turnParts];
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
    await store.close();
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
    const playA = (i: number): Promise<void> => turn(a.sessions, pick(i));
    const playB = (i: number): Promise<void> => turn(b.sessions, pick(i));
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
    await a.store.close();
    await b.store.close();
  }
}

export async function engineSection(options: BenchOptions): Promise<SectionResult> {
  const rounds = exchanges(200, 11);
  const histories = [10, 100, 1000, 10_000];
  const figures: HistoryFigure[] = [];
  for (const mode of ['warm', 'cold'] as const) {
    for (const messages of histories) figures.push(await measureHistory(messages, mode, rounds, options));
  }
  // Below ~16 chunks (a few hundred messages) a commit reads the session whole either way.
  for (const messages of [1000, 10_000]) figures.push(await measureHistory(messages, 'full', rounds, options));
  figures.push(await measureHistory(1000, 'v1', rounds, options));
  const steps = await breakdown(1000, false, rounds, options);
  const stressLoad = await breakdown(10_000, true, rounds, options);
  const others = await otherSessions(rounds, options);

  const pool = messagePool();
  const meanTokens = pool.reduce((sum, m) => sum + m.tokens, 0) / pool.length;
  const meanChars = pool.reduce((sum, m) => sum + m.content.length, 0) / pool.length;
  const warmAt1000 = figures.find((f) => f.messages === 1000 && f.mode === 'warm');
  const coldAt1000 = figures.find((f) => f.messages === 1000 && f.mode === 'cold');
  const targets = warmAt1000 === undefined ? [] : [checkTarget('Engine turn p99 at 1 000 messages (warm)', warmAt1000.turn.p99, 2, 'ms')];
  const turnTable: Table = {
    title: 'Engine turn: SessionService.context + commitRound, SQLite (WAL) temp file',
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
      'A turn is the two calls ChatService makes per answered mention; the question and reply are made (tokens counted) beforehand, as the bot does while streaming. The session limit equals the history, so every turn also trims two messages (one round).',
      `Sessions are stored as the bot leaves them, saved round by round: a head plus chunks (each round its own small chunk; every 8 small chunks at the end merge into one of 16 messages; a trim only marks messages gone in the head until more than half of a chunk is gone, then its survivors are rewritten), so a 1 000-message session is about 70 rows. "warm": the session is decoded in the store's cache (the normal case: up to ${count(20_000)} messages of recently used sessions are held). "cold": store.clearCache() before each turn (as the first turn after a restart, or for a session evicted from the cache): context reads the head and only the chunks its budget can reach (every chunk with a pin and the newest ones, store.loadRecent), then commitRound reads the session whole (head and every chunk) and keeps it cached, as the store does while its cache has room. "the cache full of other sessions": a store whose cache has no room, as in a bot busy in more channels than it holds: the context reads the same part, and commitRound appends from the head and the chunks it changes (the oldest the trim takes messages from, the newest a merge takes; store.appendRound).`,
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
      'A turn loads the session twice (context, then commitRound under the session lock) and saves it once; a cold turn reads part of it for the context (loadRecent) and then all of it for the commit (the store cache has room here; see the cache-full rows of the turn table for the commit that appends in part). The sum and the whole turn differ by SessionService\'s own work (per-session queue, promise hops) and by the parts being timed in separate runs (other GC and cache state), which can go either way.',
      'The "of which" rows under store.save replay the store\'s writes on another session key with the same shapes: the chunks and head go in one Keyv setMany, which our SQLite adapter runs as one INSERT (one WAL commit on the sqlite3 worker thread). Dropped chunks are deleted by the store\'s housekeeping, at most once a second after writes, in one DELETE for all sessions, followed by a WAL checkpoint on a second connection, so neither sits inside a turn.',
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
      "@keyv/sqlite's getMany finds each key's row with rows.find over all rows returned, so matching grows with the square of the chunk count: small at 500 chunks, the larger part of the read at 5 000.",
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
    notes: ['Every stored session is saved round by round (25 rounds: three chunks of 16 messages merged from rounds, plus the last round), so the store with many sessions holds five rows per session.'],
  };
  return {
    name: 'engine',
    tables: [turnTable, stepTable, stressTable, othersTable],
    targets,
    data: {
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
