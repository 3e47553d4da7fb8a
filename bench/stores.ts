/**
 * The engine turn at 1 000 messages on each store, in the same run: SQLite (a temp file), Redis
 * (REDIS_URL) and PostgreSQL (POSTGRES_URL), over loopback, each in a namespace or schema of its
 * own that is removed afterwards. A store whose variable is unset is reported as not measured.
 */
import pg from 'pg';
import { openSessionStore } from '../src/adapters/store/open-session-store.js';
import { Memory } from '../src/engine/memory.js';
import { dropRedisNamespace } from '../test/helpers/redis-namespace.js';
import { type Exchange, freshRound, messageRules, saveByRounds, sessionDefaults, sessionWith, silentLogger, tempFile } from './fixtures.js';
import { type BenchOptions, checkTarget, count, ms, type Table, type TargetCheck, targetText } from './report.js';
import { sample, type SampleOptions, summarize, type Summary } from './stats.js';

const KEY = '1399999999999999997';
const MESSAGES = 1000;

interface StoreUnderTest {
  readonly name: string;
  /** Warm p99 target in ms, if the issue sets one. */
  readonly target?: number;
  /** STORE_URL and how to remove what the run stored; undefined when the server is not configured. */
  readonly open: () => { readonly url: string; readonly cleanup: () => Promise<void> } | undefined;
  readonly missing: string;
}

function withParameter(url: string, parameter: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${parameter}`;
}

const isolated = `ccbench_${String(process.pid)}`;

const STORES: readonly StoreUnderTest[] = [
  { name: 'SQLite (WAL, temp file)', open: () => ({ url: `sqlite://${tempFile('stores')}`, cleanup: () => Promise.resolve() }), missing: '' },
  {
    name: 'Redis (loopback)',
    target: 3,
    missing: 'REDIS_URL is not set',
    open: () => {
      const url = process.env['REDIS_URL'];
      if (url === undefined || url === '') return undefined;
      return {
        url: withParameter(url, `namespace=${isolated}`),
        cleanup: () => dropRedisNamespace(url, isolated),
      };
    },
  },
  {
    name: 'PostgreSQL (loopback)',
    target: 5,
    missing: 'POSTGRES_URL is not set',
    open: () => {
      const url = process.env['POSTGRES_URL'];
      if (url === undefined || url === '') return undefined;
      return {
        url: withParameter(url, `schema=${isolated}`),
        cleanup: async () => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS "${isolated}" CASCADE`);
          await client.end();
        },
      };
    },
  },
];

interface StoreFigure {
  readonly store: string;
  readonly warm?: Summary;
  readonly cold?: Summary;
  readonly skipped?: string;
}

async function measure(store: StoreUnderTest, rounds: readonly Exchange[], options: BenchOptions): Promise<StoreFigure> {
  const where = store.open();
  if (where === undefined) return { store: store.name, skipped: store.missing };
  const opened = await openSessionStore(where.url, silentLogger, { sweepAfterStartMs: Infinity });
  try {
    const memory = new Memory(opened, sessionDefaults(MESSAGES), messageRules);
    await saveByRounds(opened, KEY, sessionWith(MESSAGES));
    const play = async (i: number): Promise<void> => {
      const [question, reply] = freshRound(rounds[i % rounds.length] ?? rounds[0]!);
      await memory.context(KEY, question);
      await memory.commitRound(KEY, [question, reply]);
    };
    const plan: SampleOptions = { warmup: 20, minSamples: options.quick ? 50 : 500, maxSamples: 20_000, budgetMs: options.quick ? 1000 : 8000 };
    const warm = summarize(await sample(plan, play));
    const cold = summarize(await sample({ ...plan, budgetMs: plan.budgetMs / 2 }, play, () => opened.clearCache()));
    return { store: store.name, warm, cold };
  } finally {
    await opened.close();
    await where.cleanup();
  }
}

export async function storesTable(rounds: readonly Exchange[], options: BenchOptions): Promise<{ table: Table; targets: TargetCheck[]; figures: StoreFigure[] }> {
  const figures: StoreFigure[] = [];
  for (const store of STORES) figures.push(await measure(store, rounds, options));
  const targets: TargetCheck[] = [];
  const rows = STORES.flatMap((store, i): string[][] => {
    const figure = figures[i];
    if (figure?.warm === undefined || figure.cold === undefined) return [[store.name, 'not measured', '', '', '', figure?.skipped ?? '']];
    const check = store.target === undefined ? undefined : checkTarget(`Engine turn p99 at 1 000 messages on ${store.name} (warm)`, figure.warm.p99, store.target, 'ms');
    if (check !== undefined) targets.push(check);
    return [
      [store.name, 'warm (cached)', ms(figure.warm.p50), ms(figure.warm.p99), count(figure.warm.n), check === undefined ? '' : `p99 ${targetText(check)}`],
      [store.name, 'cold (read from the store)', ms(figure.cold.p50), ms(figure.cold.p99), count(figure.cold.n), '(no target)'],
    ];
  });
  return {
    figures,
    targets,
    table: {
      title: 'Engine turn at 1 000 messages on each store (same run, loopback)',
      columns: ['store', 'session', 'p50', 'p99', 'runs', 'target'],
      rows,
      notes: [
        'The same turn as the table above (Memory.context + Memory.commitRound, a 1 000-message session stored round by round, every turn trims one round), on each store the bot ships with. Warm: two version reads (SQLite: a SELECT; Redis: GETRANGE of the head\'s first bytes; PostgreSQL: a SELECT of a slice) and one commit (SQLite: one INSERT … SELECT; Redis: one EVALSHA; PostgreSQL: one INSERT/UPDATE … WITH statement). Cold: the cache is cleared before each turn, so the context reads the head and its chunks, and the commit reads the session whole.',
        'Redis and PostgreSQL run on this machine, so each read is a loopback round trip; PostgreSQL commits with its default synchronous_commit (a WAL flush per commit).',
      ],
    },
  };
}
