/**
 * Section 4, memory: the resident set of an idle bot (its own process, compiled, started with
 * startApp against the fake Discord) whose store holds many sessions. Sessions are loaded on
 * demand and only recently used ones stay decoded (up to the store's cache bound), so the figure
 * should not grow with what is stored; an empty store is the baseline.
 */
import { execFileSync } from 'node:child_process';
import { z } from 'zod';
import { DEFAULT_CACHED_MESSAGES } from '../src/adapters/store/caching-store.js';
import type { Usage } from './child-protocol.js';
import { compiledChild, type Launch, startScriptLaunch } from './child.js';
import { fileBytes, seededCopy, tempFile } from './fixtures.js';
import { Harness } from './harness.js';
import { type BenchOptions, bytes, checkTarget, count, type SectionResult, type Table, type TargetCheck, targetText } from './report.js';
import { percentile, sleep } from './stats.js';
import { TextSource } from './text.js';

const CHANNELS = 100;
const MESSAGES_EACH = 50;

interface MemoryRun {
  readonly afterStart: Usage;
  readonly afterAnswering: Usage;
  readonly afterAnsweringNoGc: Usage;
}

interface Scenario {
  readonly storedSessions: number;
  readonly storeBytes: number;
  /** Each run is a fresh bot process on a fresh copy of the store: RSS varies by some MB from one process to the next. */
  readonly runs: readonly MemoryRun[];
}

async function idleBot(storedSessions: number, quick: boolean): Promise<{ run: MemoryRun; storeBytes: number }> {
  const store = storedSessions === 0 ? { file: tempFile('empty') } : await seededCopy(storedSessions, MESSAGES_EACH);
  const storeBytes = fileBytes(store.file);
  const harness = await Harness.start({ channels: CHANNELS, storeFile: store.file, model: 'fixed' }, new TextSource(5).answer());
  try {
    // Let start-up work (READY, GUILD_CREATE, JIT) finish before the first reading.
    await sleep(quick ? 300 : 1000);
    const afterStart = await harness.bot.usage(true);
    await harness.roomFor(2 * CHANNELS);
    await harness.timings(await harness.mentionAll(harness.channels));
    await harness.bot.drain();
    await sleep(500);
    const afterAnsweringNoGc = await harness.bot.usage(false);
    const afterAnswering = await harness.bot.usage(true);
    return { run: { afterStart, afterAnswering, afterAnsweringNoGc }, storeBytes };
  } finally {
    await harness.close();
  }
}

async function scenario(storedSessions: number, runs: number, quick: boolean): Promise<Scenario> {
  const out: MemoryRun[] = [];
  let storeBytes = 0;
  for (let i = 0; i < runs; i += 1) {
    const measured = await idleBot(storedSessions, quick);
    out.push(measured.run);
    storeBytes = measured.storeBytes;
  }
  return { storedSessions, storeBytes, runs: out };
}

const footprintSchema = z.array(z.object({ step: z.string(), rss: z.number() }));

/** RSS after each of the bot's heavy imports, in a fresh process launched like the bot (see modules-child.ts). */
function moduleFootprint(launch: Launch): z.infer<typeof footprintSchema> {
  const out = execFileSync(process.execPath, ['--expose-gc', ...(launch.nodeFlags ?? []), compiledChild('modules-child')], {
    env: { PATH: process.env['PATH'] ?? '', ...launch.env },
    encoding: 'utf8',
  });
  return footprintSchema.parse(JSON.parse(out));
}

function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/** "152.3 MB (140.1–160.2)": the median of the runs and their range. */
function spread(values: readonly number[]): string {
  if (values.length === 1) return bytes(values[0] ?? 0);
  return `${bytes(median(values))} (${(Math.min(...values) / 1e6).toFixed(1)}–${(Math.max(...values) / 1e6).toFixed(1)})`;
}

export async function memorySection(options: BenchOptions): Promise<SectionResult> {
  const stored = options.quick ? 1000 : 10_000;
  const launch = startScriptLaunch();
  // The empty-store baseline shows the figure does not follow what is stored; a smoke run skips it.
  const scenarios = options.quick
    ? [await scenario(stored, 1, true)]
    : [await scenario(0, 1, false), await scenario(stored, 3, false)];
  const footprint = moduleFootprint(launch);
  const targets: TargetCheck[] = [];
  const full = scenarios.at(-1);
  if (full !== undefined) {
    const worst = Math.max(median(full.runs.map((r) => r.afterStart.rss)), median(full.runs.map((r) => r.afterAnswering.rss)));
    targets.push(
      checkTarget(`Idle bot RSS, ${count(stored)} stored sessions (median of runs, after start and after 100 channels, after gc)`, worst / 1e6, 150, 'MB'),
    );
  }
  const table: Table = {
    title: `Resident memory of the bot process (${count(MESSAGES_EACH)} messages per stored session)`,
    columns: [
      'stored sessions',
      'store file',
      'runs',
      'RSS after start',
      'RSS after answering in 100 channels',
      '(same, before gc)',
      'of which V8 heap / other anonymous / file-backed',
      'V8 heap used / reserved',
      'peak RSS',
      'target',
    ],
    rows: scenarios.map((s) => [
      count(s.storedSessions),
      bytes(s.storeBytes),
      String(s.runs.length),
      spread(s.runs.map((r) => r.afterStart.rss)),
      spread(s.runs.map((r) => r.afterAnswering.rss)),
      spread(s.runs.map((r) => r.afterAnsweringNoGc.rss)),
      [
        median(s.runs.map((r) => r.afterAnswering.heapResident)),
        median(s.runs.map((r) => r.afterAnswering.rssAnon - r.afterAnswering.heapResident)),
        median(s.runs.map((r) => r.afterAnswering.rssFile)),
      ]
        .map(bytes)
        .join(' / '),
      `${bytes(median(s.runs.map((r) => r.afterAnswering.heapUsed)))} / ${bytes(median(s.runs.map((r) => r.afterAnswering.heapTotal)))}`,
      spread(s.runs.map((r) => r.afterAnswering.maxRss)),
      s === full && targets[0] !== undefined ? targetText(targets[0]) : '',
    ]),
    notes: [
      `The bot runs as \`npm start\` runs it: plain \`node\` on JavaScript compiled from src/, with the environment and node flags of package.json's start script (\`${launch.script}\`) and --expose-gc; readings after gc follow two global.gc() calls. Defaults otherwise (HISTORY_LIMIT 100), answering with an in-process model. "after answering" is after one mention in each of 100 channels whose sessions are in the store, every answer committed: those 100 sessions (${count(CHANNELS * (MESSAGES_EACH + 2))} messages) are then held decoded in the store's cache, which keeps up to ${count(DEFAULT_CACHED_MESSAGES)}. Several runs: median (range, MB).`,
      '"Other anonymous" is RssAnon less the resident pages of the V8 heap: mostly glibc malloc (sqlite3, zlib, V8\'s optimizing compiler on its worker threads), in one arena per thread unless MALLOC_ARENA_MAX caps them. It is the part that varies most between identical runs.',
    ],
  };
  const footprintTable: Table = {
    title: "Where the idle RSS goes: the bot's imports, loaded one after another in a fresh process (after gc)",
    columns: ['loaded', 'RSS', 'added'],
    rows: footprint.map((f, i) => [f.step, bytes(f.rss), i === 0 ? '' : `+${bytes(f.rss - (footprint[i - 1]?.rss ?? 0))}`]),
    notes: [
      'What remains between the last row and "RSS after start" is the running bot: the discord.js client and its caches, sockets, SQLite\'s page cache, JIT code, and V8 heap reserved beyond what is used.',
    ],
  };
  return { name: 'memory', tables: [table, footprintTable], targets, data: { messagesEach: MESSAGES_EACH, startScript: launch.script, scenarios, footprint } };
}
