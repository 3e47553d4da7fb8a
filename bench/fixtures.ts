/**
 * What the sections share: a silent logger, the default configuration, realistic messages made
 * the way the bot makes them (createMessage with the real tokenizer), and SQLite store files
 * seeded through the real store, round by round, so the records (a head and its chunks)
 * are byte for byte what the bot leaves after answering.
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gptTokenCounter } from '../src/adapters/gpt-tokenizer.js';
import type { CachingSessionStore } from '../src/adapters/store/caching-store.js';
import { sessionStoreOn } from '../src/adapters/store/open-session-store.js';
import { SqliteBackend } from '../src/adapters/store/sqlite-backend.js';
import { type Config, loadConfig, promptBudget } from '../src/config.js';
import { createMessage, type DraftMessage, type HistoryMessage, type MessageRules, type Session } from '../src/domain/index.js';
import type { SessionDefaults } from '../src/engine/memory.js';
import type { SessionStore } from '../src/engine/session-store.js';
import { createLogger, type Logger } from '../src/logger.js';
import { TextSource } from './text.js';

export const silentLogger: Logger = createLogger({ level: 'silent', secrets: [] });

/** The configuration a fresh install runs with (every default), plus `overrides`. */
export function defaultConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ DISCORD_TOKEN: 'bench-token', OPENAI_API_KEY: 'bench-key', ...overrides });
}

export function sessionDefaults(limit: number): SessionDefaults {
  const config = defaultConfig();
  return { limit, systemPrompt: config.SYSTEM_PROMPT, model: config.OPENAI_MODEL, tokenBudget: promptBudget(config) };
}

/** As src/app.ts builds them. */
export const messageRules: MessageRules = {
  tokens: gptTokenCounter,
  maxMessageChars: defaultConfig().MAX_MESSAGE_CHARS,
  tokenBudget: promptBudget(defaultConfig()),
  now: Date.now,
};

let snowflakeClock = 0n;
/** Discord-shaped ids (17–20 digits), increasing. */
export function snowflake(): string {
  let id = (BigInt(Date.now()) - 1_420_070_400_000n) << 22n;
  if (id <= snowflakeClock) id = snowflakeClock + 1n;
  snowflakeClock = id;
  return id.toString();
}

/** The channel id (and so the session key) of the i-th benchmark channel. */
export function channelId(i: number): string {
  return (1_300_000_000_000_000_000n + BigInt(i)).toString();
}

export interface Exchange {
  readonly question: DraftMessage;
  readonly reply: DraftMessage;
}

/** `count` question/answer pairs of realistic text, tokens counted once by createMessage. */
export function exchanges(count: number, seed: number): Exchange[] {
  const text = new TextSource(seed);
  const out: Exchange[] = [];
  for (let i = 0; i < count; i += 1) {
    const authorName = text.name();
    out.push({
      question: createMessage(
        {
          role: 'user',
          content: text.question(),
          authorId: `1200000000000000${String(text.int(100, 999))}`,
          authorName,
          discordMessageIds: [snowflake()],
        },
        messageRules,
      ),
      reply: createMessage({ role: 'assistant', content: text.answer(), discordMessageIds: [snowflake()] }, messageRules),
    });
  }
  return out;
}

let sharedPool: readonly DraftMessage[] | undefined;
/** A pool of 4 000 realistic messages (user, assistant, user…) to build histories from. */
export function messagePool(): readonly DraftMessage[] {
  sharedPool ??= exchanges(2000, 7).flatMap((e) => [e.question, e.reply]);
  return sharedPool;
}

/** A session of `length` messages (even), taken from the pool starting at round `offset`, numbered from 0. */
export function sessionWith(length: number, offset = 0): Session {
  const pool = messagePool();
  const history: HistoryMessage[] = [];
  const start = (offset * 2) % pool.length;
  for (let i = 0; i < length; i += 1) {
    const message = pool[(start + i) % pool.length];
    if (message !== undefined) history.push({ ...message, seq: i });
  }
  return { history, settings: {}, next: length };
}

/** The question and reply of `exchange` as new objects, as the bot makes new messages for every turn. */
export function freshRound(exchange: Exchange): [DraftMessage, DraftMessage] {
  return [{ ...exchange.question }, { ...exchange.reply }];
}

let workDir: string | undefined;
/** A temporary folder for this run's store files, removed when the process exits. */
export function benchDir(): string {
  if (workDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'contextcord-bench-'));
    workDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return workDir;
}

export function tempFile(name: string): string {
  return join(benchDir(), `${name}-${String(Math.random()).slice(2, 8)}.sqlite`);
}

export interface SeedSpec {
  /** How many sessions, keyed channelId(first)…channelId(first + count - 1). */
  readonly count: number;
  readonly messagesEach: number;
  readonly first?: number;
}

/**
 * Commits `session` (numbered from 0, as sessionWith makes it) to an empty key as the bot would
 * have built it: one round (question and reply) per commit, so the store holds the chunks a
 * conversation leaves (small ones merged as it grows).
 */
export async function saveByRounds(store: SessionStore, key: string, session: Session): Promise<void> {
  let snapshot = await store.load(key);
  for (let end = 2; end <= session.history.length; end += 2) {
    snapshot = await store.commit(snapshot, { append: session.history.slice(end - 2, end) });
  }
}

/** Writes sessions through the real store (sessionStoreOn a SQLite file + saveByRounds), then closes it. */
export async function seed(file: string, specs: readonly SeedSpec[]): Promise<void> {
  const sqlite = await SqliteBackend.open(file);
  const store: CachingSessionStore = sessionStoreOn(sqlite, silentLogger, { sweepAfterStartMs: Infinity });
  try {
    for (const spec of specs) {
      const first = spec.first ?? 0;
      const batch = 64;
      for (let i = 0; i < spec.count; i += batch) {
        // For speed only: one SQLite transaction per batch instead of one per commit; the rows are the same.
        await sqlite.run('BEGIN');
        const saves: Promise<void>[] = [];
        for (let j = i; j < Math.min(spec.count, i + batch); j += 1) {
          saves.push(saveByRounds(store, channelId(first + j), sessionWith(spec.messagesEach, first + j)));
        }
        await Promise.all(saves);
        await sqlite.run('COMMIT');
      }
    }
  } finally {
    await store.close();
  }
}

const templates = new Map<string, Promise<string>>();
/**
 * A store file holding `count` sessions of `messagesEach` messages, seeded once per run and
 * copied for each use (the copy is what a section opens and writes to).
 */
export async function seededCopy(count: number, messagesEach: number): Promise<{ file: string; seedSeconds: number }> {
  const key = `${count}x${messagesEach}`;
  let seconds = 0;
  let template = templates.get(key);
  if (template === undefined) {
    const file = join(benchDir(), `template-${key}.sqlite`);
    const started = performance.now();
    template = seed(file, [{ count, messagesEach }]).then(() => file);
    templates.set(key, template);
    await template;
    seconds = (performance.now() - started) / 1000;
  }
  const copy = tempFile(`copy-${key}`);
  copyFileSync(await template, copy);
  return { file: copy, seedSeconds: seconds };
}

export function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
