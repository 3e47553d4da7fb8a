/**
 * `npm run chat`: the terminal surface. The same engine, store and configuration as the bot, no
 * Discord token. Interactive on a terminal (a prompt, line editing and history, /help; Ctrl-C stops
 * the answer being written, Ctrl-D leaves); piped, it prints only answers and results, errors go to
 * stderr, and it exits 1 if any question or command failed (130 when stopped by SIGINT). `--list`
 * lists the stored sessions and exits.
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
import { configuredEngine, configuredMemory, configuredModel, configuredStore, defaultModel } from '../wiring.js';
import { COMMAND_FAILED, en } from '../presenters/en.js';
import { commandFailureText } from '../presenters/render.js';
import { TerminalChat } from './chat.js';
import { listSessions } from './list.js';

const USAGE = 'usage: npm run chat -- [--session NAME] [--name YOUR_NAME] | --list';

function options(): { session: string; name: string; list: boolean } {
  try {
    const { values } = parseArgs({
      options: { session: { type: 'string' }, name: { type: 'string' }, list: { type: 'boolean' } },
      allowPositionals: false,
    });
    const session = values.session ?? 'terminal';
    if (session.trim() === '') throw new Error('--session needs a name');
    return { session, name: values.name ?? safeUserName(), list: values.list ?? false };
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
const out = { write: (text: string) => void process.stdout.write(text) };
const err = { write: (text: string) => void process.stderr.write(text) };
process.exitCode = args.list ? await list() : await converse();

/** `--list`: the stored sessions with their sizes; 0, or 1 when the store could not be read. */
async function list(): Promise<number> {
  try {
    await listSessions(configuredMemory(config, store), out, config.TIMEZONE);
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'listing the sessions failed');
    err.write(`error: ${commandFailureText(en, error) ?? COMMAND_FAILED}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/** The chat itself, line by line until the input ends: 0, 1 when anything failed, 130 when stopped by SIGINT. */
async function converse(): Promise<number> {
  const engine = configuredEngine(config, { store, model: configuredModel(config, logger), logger, preconditions: [] });
  // A crash after this session's answer was stored left it marked pending: it was printed as it streamed and
  // is in memory, so nothing is left to show; the mark goes. Other sessions are their surfaces' to finish.
  await engine.finishPending(({ key }) => Promise.resolve(key === args.session ? 'gone' : 'not_ours'), config.DELIVERY_GRACE_MS);
  const chat = new TerminalChat({ engine, session: args.session, authorName: args.name, out, err });

  const lines = createInterface({ input: process.stdin, terminal: interactive, ...(interactive ? { output: process.stdout, prompt: '> ' } : {}) });
  if (interactive) {
    out.write(`contextcord chat — session "${args.session}", model ${defaultModel(config)}. /help for commands, Ctrl-D to leave.\n`);
    lines.prompt();
    // Ctrl-C, which readline reads from the raw terminal: the chat decides what it does; the line editor is reset here.
    lines.on('SIGINT', () => {
      const what = chat.interrupt(lines.line);
      if (what === 'quit') lines.close();
      if (what !== 'cleared' && what !== 'warned') return;
      // Drops what was typed (to the end of the line, then all before the cursor) and prompts afresh.
      lines.write(null, { ctrl: true, name: 'e' });
      lines.write(null, { ctrl: true, name: 'u' });
      lines.prompt();
    });
  }
  // A SIGINT to the process (piped, or from kill): the answer being written is cut off and not
  // stored, nothing more is read, and the run ends as interrupted. A second one ends it at once.
  let signals = 0;
  process.once('SIGINT', () => {
    signals += 1;
    chat.cancelAnswer();
    lines.close();
  });
  let failures = 0;
  try {
    for await (const line of lines) {
      if (signals > 0) break;
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
      if (interactive && signals === 0) lines.prompt();
    }
  } finally {
    lines.close();
    await engine.drain();
    await store.close();
  }
  return signals > 0 ? 130 : failures > 0 ? 1 : 0;
}
