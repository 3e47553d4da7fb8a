/**
 * Section 1, the engine turn: what the bot does with its store for every answered mention,
 * `SessionService.context` (load → budget) then `SessionService.commitRound` (load → append →
 * trim → save), on a real SQLite file in WAL mode as openSessionStore sets it up.
 */
import { readFileSync } from 'node:fs';
import KeyvSqlite from '@keyv/sqlite';
import { type KeyvSessionStore, openSessionStore } from '../src/adapters/store/keyv-session-store.js';
import { decodeSession, encodeSession } from '../src/adapters/store/session-record.js';
import { buildContext, commitRound, type Session } from '../src/domain/index.js';
import { SessionService } from '../src/services/session-service.js';
import {
  type Exchange,
  exchanges,
  messagePool,
  messageRules,
  seededCopy,
  sessionDefaults,
  sessionWith,
  silentLogger,
  tempFile,
} from './fixtures.js';
import { type BenchOptions, bytes, checkTarget, count, ms, ratio, type SectionResult, type Table, targetText } from './report.js';
import { type SampleOptions, sample, sampleAlternating, summarize, type Summary } from './stats.js';

const KEY = '1399999999999999999';
/** Keyv's namespace and the store's prefix, as they appear in the SQLite `key` column. */
const STORED_KEY = `contextcord:session:${KEY}`;

interface Engine {
  readonly store: KeyvSessionStore;
  readonly sqlite: KeyvSqlite;
  readonly sessions: SessionService;
}

async function openEngine(file: string, limit: number): Promise<Engine> {
  const store = await openSessionStore(`sqlite://${file}`, silentLogger);
  const adapter: unknown = store.raw.store;
  if (!(adapter instanceof KeyvSqlite)) throw new Error('expected the SQLite adapter behind the store');
  return { store, sqlite: adapter, sessions: new SessionService(store, sessionDefaults(limit), messageRules) };
}

/** One turn exactly as ChatService makes it (messages already made, tokens counted). */
async function turn(sessions: SessionService, exchange: Exchange): Promise<void> {
  await sessions.context(KEY, exchange.question);
  await sessions.commitRound(KEY, [exchange.question, exchange.reply]);
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

async function storedBytes(engine: Engine): Promise<number> {
  const rows = (await engine.sqlite.query('SELECT length(CAST(value AS BLOB)) AS bytes FROM keyv WHERE key = ?', STORED_KEY)) as Array<{
    bytes: number;
  }>;
  const found = rows[0]?.bytes;
  if (found === undefined) throw new Error(`no stored record under ${STORED_KEY}`);
  return found;
}

interface HistoryFigure {
  readonly messages: number;
  readonly turn: Summary;
  readonly recordBytes: number;
  readonly writeBytesPerTurn: number | undefined;
}

function budgets(quick: boolean, messages: number): SampleOptions {
  const scale = quick ? 0.12 : 1;
  if (messages >= 10_000) return { warmup: quick ? 1 : 3, minSamples: quick ? 5 : 50, maxSamples: 5000, budgetMs: 8000 * scale };
  if (messages >= 1000) return { warmup: 20, minSamples: quick ? 50 : 500, maxSamples: 20_000, budgetMs: 8000 * scale };
  return { warmup: 50, minSamples: quick ? 100 : 1000, maxSamples: 50_000, budgetMs: 2000 * scale };
}

async function measureHistory(messages: number, rounds: readonly Exchange[], options: BenchOptions): Promise<HistoryFigure> {
  const engine = await openEngine(tempFile(`engine-${messages}`), messages);
  try {
    await engine.store.save(KEY, sessionWith(messages));
    const plan = budgets(options.quick, messages);
    const play = (i: number): Promise<void> => turn(engine.sessions, rounds[i % rounds.length] ?? rounds[0]!);
    for (let i = 0; i < plan.warmup; i += 1) await play(i);
    const writtenBefore = writtenBytes();
    const samples = await sample({ ...plan, warmup: 0 }, play);
    const writtenAfter = writtenBytes();
    const recordBytes = await storedBytes(engine);
    return {
      messages,
      turn: summarize(samples),
      recordBytes,
      writeBytesPerTurn:
        writtenBefore === undefined || writtenAfter === undefined ? undefined : (writtenAfter - writtenBefore) / samples.length,
    };
  } finally {
    await engine.store.close();
  }
}

interface Step {
  readonly step: string;
  readonly perTurn: number;
  readonly summary: Summary;
}

/** Times the parts of a 1 000-message turn one by one, each with the real function. */
async function breakdown(rounds: readonly Exchange[], options: BenchOptions): Promise<Step[]> {
  const messages = 1000;
  const engine = await openEngine(tempFile('breakdown'), messages);
  try {
    const session: Session = sessionWith(messages);
    await engine.store.save(KEY, session);
    const raw = await engine.sqlite.get<string>(STORED_KEY);
    if (typeof raw !== 'string') throw new Error('expected the stored record as text');
    const parsed = JSON.parse(raw) as { value: unknown };
    const exchange = rounds[0]!;
    const settings = engine.sessions.settings(session);
    const plan: SampleOptions = { warmup: 20, minSamples: options.quick ? 30 : 300, maxSamples: 5000, budgetMs: options.quick ? 150 : 1000 };
    const steps: Array<[string, number, () => unknown]> = [
      ['store.load: SQLite read + JSON.parse + zod decode', 2, () => engine.store.load(KEY)],
      ['  of which SQLite read (raw text)', 2, () => engine.sqlite.get(STORED_KEY)],
      ['  of which JSON.parse', 2, (): unknown => JSON.parse(raw)],
      ['  of which decodeSession (zod)', 2, () => decodeSession(parsed.value)],
      [
        'buildContext (budget, cached token counts)',
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
      ['commitRound (append + trim, domain)', 1, () => commitRound(session, [exchange.question, exchange.reply], messages)],
      ['store.save: encode + JSON.stringify + SQLite write', 1, () => engine.store.save(KEY, session)],
      ['  of which JSON.stringify', 1, () => JSON.stringify({ value: encodeSession(session) })],
    ];
    const out: Step[] = [];
    for (const [step, perTurn, run] of steps) {
      const samples = await sample(plan, async () => {
        await run();
      });
      out.push({ step, perTurn, summary: summarize(samples) });
    }
    return out;
  } finally {
    await engine.store.close();
  }
}

interface OthersFigure {
  readonly fewOthers: number;
  readonly manyOthers: number;
  readonly few: Summary;
  readonly many: Summary;
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
    await a.store.save(KEY, sessionWith(1000));
    await b.store.save(KEY, sessionWith(1000));
    const plan: SampleOptions = {
      warmup: 20,
      minSamples: options.quick ? 50 : 400,
      maxSamples: 20_000,
      budgetMs: options.quick ? 1200 : 10_000,
    };
    const pick = (i: number): Exchange => rounds[i % rounds.length] ?? rounds[0]!;
    const samples = await sampleAlternating(
      plan,
      (i) => turn(a.sessions, pick(i)),
      (i) => turn(b.sessions, pick(i)),
    );
    return { fewOthers, manyOthers, few: summarize(samples.a), many: summarize(samples.b), seedSeconds: few.seedSeconds + many.seedSeconds };
  } finally {
    await a.store.close();
    await b.store.close();
  }
}

export async function engineSection(options: BenchOptions): Promise<SectionResult> {
  const rounds = exchanges(200, 11);
  const histories = [10, 100, 1000, 10_000];
  const figures: HistoryFigure[] = [];
  for (const messages of histories) figures.push(await measureHistory(messages, rounds, options));
  const steps = await breakdown(rounds, options);
  const others = await otherSessions(rounds, options);

  const pool = messagePool();
  const meanTokens = pool.reduce((sum, m) => sum + m.tokens, 0) / pool.length;
  const meanChars = pool.reduce((sum, m) => sum + m.content.length, 0) / pool.length;
  const at1000 = figures.find((f) => f.messages === 1000);
  const targets = at1000 === undefined ? [] : [checkTarget('Engine turn p99 at 1 000 messages', at1000.turn.p99, 2, 'ms')];
  const turnTable: Table = {
    title: 'Engine turn: SessionService.context + commitRound, SQLite (WAL) temp file',
    columns: ['history', 'p50', 'p99', 'runs', 'record written per turn', 'write(2) bytes per turn', 'target'],
    rows: figures.map((f) => [
      `${count(f.messages)} messages`,
      ms(f.turn.p50),
      ms(f.turn.p99),
      count(f.turn.n),
      bytes(f.recordBytes),
      f.writeBytesPerTurn === undefined ? 'n/a' : bytes(f.writeBytesPerTurn),
      f.messages === 1000 && targets[0] !== undefined ? `p99 ${targetText(targets[0])}` : '',
    ]),
    notes: [
      'A turn is the two calls ChatService makes per answered mention; the question and reply are made (tokens counted) beforehand, as the bot does while streaming. The session limit equals the history, so every turn also trims two messages.',
      `Messages are realistic chat text of 20–80 words (${meanTokens.toFixed(0)} tokens, ${meanChars.toFixed(0)} characters on average). "record written" is the stored value (Keyv JSON) rewritten whole by each turn; "write(2) bytes" is what the process handed to the kernel per turn (/proc/self/io wchar): WAL frames of 4 kB pages plus amortized checkpoints.`,
      '10 000 messages is beyond what the bot allows (HISTORY_LIMIT and /limit stop at 1 000): a stress figure.',
    ],
  };
  const stepTable: Table = {
    title: 'Where a 1 000-message turn goes (each part timed alone, same record)',
    columns: ['part', 'times per turn', 'p50', 'p99', 'p50 × times'],
    rows: steps.map((s) => [s.step, String(s.perTurn), ms(s.summary.p50), ms(s.summary.p99), ms(s.summary.p50 * s.perTurn)]),
    notes: ['A turn loads the session twice (context, then commitRound under the session lock) and saves it once.'],
  };
  const othersTable: Table = {
    title: 'Engine turn at 1 000 messages vs other sessions in the store (alternating turns, same run)',
    columns: ['other sessions (50 messages each)', 'p50', 'p99', 'runs'],
    rows: [
      [count(others.fewOthers), ms(others.few.p50), ms(others.few.p99), count(others.few.n)],
      [count(others.manyOthers), ms(others.many.p50), ms(others.many.p99), count(others.many.n)],
      [`ratio ${count(others.manyOthers)} / ${count(others.fewOthers)}`, ratio(others.many.p50 / others.few.p50), ratio(others.many.p99 / others.few.p99), ''],
    ],
  };
  return {
    name: 'engine',
    tables: [turnTable, stepTable, othersTable],
    targets,
    data: {
      histories: figures,
      breakdownAt1000: steps,
      otherSessions: { ...others, ratioP50: others.many.p50 / others.few.p50, ratioP99: others.many.p99 / others.few.p99 },
    },
  };
}
