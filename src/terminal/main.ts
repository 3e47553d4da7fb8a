/**
 * `npm run chat`: the terminal surface. The same engine, store and configuration as the bot, no
 * Discord token. Interactive on a terminal (a prompt, /help); piped, it prints only answers and
 * results, errors go to stderr, and it exits 1 if any question or command failed.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { parseArgs } from 'node:util';
import { type Config, loadConfig } from '../config.js';
import { startupLine } from '../startup-errors.js';
import { createLogger } from '../logger.js';
import { storeSecrets } from '../adapters/store/store-url.js';
import { configuredEngine, configuredModel, configuredStore, defaultModel } from '../wiring.js';
import { COMMAND_FAILED } from '../presenters/en.js';
import { TerminalChat } from './chat.js';

const USAGE = 'usage: npm run chat -- [--session NAME] [--name YOUR_NAME]';

function options(): { session: string; name: string } {
  try {
    const { values } = parseArgs({ options: { session: { type: 'string' }, name: { type: 'string' } }, allowPositionals: false });
    const session = values.session ?? 'terminal';
    if (session.trim() === '') throw new Error('--session needs a name');
    return { session, name: values.name ?? safeUserName() };
  } catch (error) {
    console.error(`contextcord chat: ${error instanceof Error ? error.message : String(error)}. ${USAGE}`);
    process.exit(2);
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'you';
  }
}

if (existsSync('.env')) process.loadEnvFile('.env');
const args = options();
let config: Config;
try {
  config = loadConfig(process.env, { surface: 'terminal' });
} catch (error) {
  console.error(startupLine(error));
  process.exit(1);
}

const interactive = process.stdin.isTTY && process.stdout.isTTY;
// Logs go to stderr, quietly unless asked for: stdout is for answers.
const logger = createLogger({
  level: process.env['LOG_LEVEL'] === undefined ? 'warn' : config.LOG_LEVEL,
  secrets: [...config.OPENAI_API_KEY, ...storeSecrets(config.STORE_URL)],
  destination: pino.destination({ dest: 2, sync: true }),
});
const store = await configuredStore(config, logger).catch((error: unknown) => {
  console.error(startupLine(error, { secrets: [...config.OPENAI_API_KEY, ...storeSecrets(config.STORE_URL)] }));
  process.exit(1);
});
const engine = configuredEngine(config, { store, model: configuredModel(config, logger), logger, preconditions: [] });
// A crash after this session's answer was stored left it marked pending: it was printed as it streamed and
// is in memory, so nothing is left to show; the mark goes. Other sessions are their surfaces' to finish.
await engine.finishPending(({ key }) => Promise.resolve(key === args.session ? 'gone' : 'not_ours'), config.DELIVERY_GRACE_MS);
const out = { write: (text: string) => void process.stdout.write(text) };
const err = { write: (text: string) => void process.stderr.write(text) };
const chat = new TerminalChat({ engine, session: args.session, authorName: args.name, out, err });

const lines = createInterface({ input: process.stdin, terminal: interactive, ...(interactive ? { output: process.stdout, prompt: '> ' } : {}) });
if (interactive) {
  out.write(`contextcord chat — session "${args.session}", model ${defaultModel(config)}. /help for commands, Ctrl-D to leave.\n`);
  lines.prompt();
}
let failures = 0;
try {
  for await (const line of lines) {
    let result: Awaited<ReturnType<TerminalChat['handle']>>;
    try {
      result = await chat.handle(line);
    } catch (error) {
      // A bug or a failing store: said plainly, logged with its cause, and the chat goes on.
      logger.error({ err: error }, 'line failed');
      err.write(`error: ${COMMAND_FAILED}\n`);
      result = 'failed';
    }
    if (result === 'quit') break;
    if (result === 'failed') failures += 1;
    if (interactive) lines.prompt();
  }
} finally {
  lines.close();
  await engine.drain();
  await store.close();
}
process.exitCode = failures > 0 ? 1 : 0;
