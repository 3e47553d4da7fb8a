import { readFile, stat, writeFile } from 'node:fs/promises';
import { userError } from '../domain/errors.js';
import { exportText, type ImportedSession, MAX_IMPORT_BYTES } from '../domain/portable.js';
import { rounds } from '../domain/session.js';
import type { Asker } from '../domain/access.js';
import type { AnswerOutcome, Engine } from '../engine/engine.js';
import { historyView } from '../engine/history-view.js';
import { usageView } from '../engine/usage-view.js';
import { modelPrice } from '../adapters/model-prices.js';
import { en } from '../presenters/en.js';
import { commandFailureText } from '../presenters/render.js';
import { parseLine } from './commands.js';
import { settingsView, systemPromptCost } from '../domain/channel-settings.js';
import {
  exportedText,
  forgeText,
  HELP,
  historyText,
  IMPORT_CANCELLED,
  importConfirmText,
  importedText,
  INTERRUPT_HINT,
  limitSetText,
  limitShownText,
  memoryModeText,
  usageText,
  modelResetText,
  modelSetText,
  modelShownText,
  pinText,
  resetText,
  retriedText,
  rollbackText,
  settingsText,
  systemResetText,
  systemSetText,
  systemShownText,
} from './presenter.js';
import { type TerminalOutput, TerminalRetrySink, TerminalSink } from './sink.js';

export interface TerminalChatOptions {
  readonly engine: Engine;
  /** The session this chat reads and changes. */
  readonly session: string;
  /** The name questions are asked under (the model sees "name: question"). */
  readonly authorName: string;
  readonly out: TerminalOutput;
  readonly err: TerminalOutput;
}

/** What `{bot}` is in a terminal session's system prompt. */
const BOT_NAME = 'contextcord';

export type LineResult = 'ok' | 'failed' | 'quit';

/**
 * What Ctrl-C did: cut off the answer being written (`cancelled`; `too_late` when it was already
 * complete and being stored), or, with no answer under way, dropped the line typed so far
 * (`cleared`, an /import's question answered no), said how to leave (`warned`), or asked to leave
 * (`quit`, a second Ctrl-C on an empty line).
 */
export type Interrupted = 'cancelled' | 'too_late' | 'cleared' | 'warned' | 'quit';

/** The terminal surface: each line is parsed, run on the engine, and its result written out. */
export class TerminalChat {
  private asked = 0;
  /** An /import waiting for its answer: the next line says yes or no. */
  private pendingImport: ImportedSession | undefined;
  /** Whether a question is being answered now. */
  private answering = false;
  /** Ctrl-C on an empty line since the last line or answer: the second in a row leaves. */
  private idleInterrupts = 0;

  constructor(private readonly options: TerminalChatOptions) {}

  async handle(line: string): Promise<LineResult> {
    const { err } = this.options;
    this.idleInterrupts = 0;
    try {
      return await this.run(line);
    } catch (error) {
      const told = commandFailureText(en, error);
      if (told === undefined) throw error;
      err.write(`error: ${told}\n`);
      return 'failed';
    }
  }

  private async run(line: string): Promise<LineResult> {
    const { engine, session: key, out } = this.options;
    const { memory } = engine;
    const print = (text: string): LineResult => {
      out.write(`${text}\n`);
      return 'ok';
    };
    if (this.pendingImport !== undefined) {
      const imported = this.pendingImport;
      this.pendingImport = undefined;
      if (!/^\s*y(es)?\s*$/i.test(line)) return print(IMPORT_CANCELLED);
      return print(importedText(await memory.replace(key, imported)));
    }
    const input = parseLine(line);
    switch (input.kind) {
      case 'blank':
        return 'ok';
      case 'quit':
        return 'quit';
      case 'help':
        return print(HELP);
      case 'question':
        return this.ask(input.text);
      case 'rollback': {
        const removed = await memory.rollback(key, input.count);
        return print(rollbackText(removed, rounds(removed).length));
      }
      case 'pin':
        return print(pinText(await memory.pin(key, input.indices), 'pinned'));
      case 'unpin':
        return print(pinText(await memory.unpin(key, input.indices), 'unpinned'));
      case 'limit': {
        if (input.limit === undefined) {
          const session = await memory.read(key);
          return print(limitShownText(memory.settings(session).limit, session.history.length, session.history.filter((m) => m.pinned).length));
        }
        return print(limitSetText(input.limit, await memory.setLimit(key, input.limit)));
      }
      case 'reset':
        return print(resetText(await memory.reset(key)));
      case 'retry':
        return this.retry();
      case 'history': {
        const session = await memory.read(key);
        return print(historyText(historyView(session, memory.settings(session), memory.tokens, input.page)));
      }
      case 'forge':
        return print(forgeText(input.role, await memory.forge(key, [{ role: input.role, content: input.content }])));
      case 'memory':
        return print(memoryModeText(await memory.setMemoryMode(key, input.mode, input.tokens)));
      case 'usage': {
        // The terminal's user runs the bot: the whole bot's usage is theirs to see.
        const ledger = input.scope === 'bot' ? await memory.botUsage() : await memory.usage(key);
        return print(usageText(usageView(ledger, Date.now(), input.scope, modelPrice)));
      }
      case 'export': {
        const file = await memory.export(key);
        await writeFile(input.path, exportText(file)).catch((error: unknown) => {
          throw userError('file_failed', { action: 'write', path: input.path, reason: codeOf(error) });
        });
        return print(exportedText(file, input.path));
      }
      case 'import': {
        const file = await readImportFile(input.path);
        const imported = memory.parseImport(file.text, file.size);
        const preview = await memory.previewImport(key, imported);
        if (preview.before.messages === 0) return print(importedText(await memory.replace(key, imported)));
        this.pendingImport = imported;
        return print(importConfirmText(preview));
      }
      case 'settings': {
        const session = await memory.read(key);
        return print(settingsText(settingsView(session, memory.settings(session))));
      }
      case 'system': {
        if (input.action === 'set') return print(systemSetText((await memory.setSystemPrompt(key, input.prompt)).tokens));
        if (input.action === 'reset') return print(systemResetText((await memory.resetSystemPrompt(key)).hadOwn));
        const session = await memory.read(key);
        const prompt = memory.settings(session).systemPrompt;
        return print(systemShownText(prompt, session.settings.systemPrompt !== undefined, systemPromptCost(prompt, memory.tokens)));
      }
      case 'model': {
        if (input.action === 'set') return print(modelSetText(await memory.setModel(key, input.choice)));
        if (input.action === 'reset') return print(modelResetText((await memory.resetModel(key)).hadOwn, memory.defaultModel));
        const session = await memory.read(key);
        const settings = memory.settings(session);
        const own = session.settings.model !== undefined || session.settings.params !== undefined;
        return print(modelShownText({ name: settings.model, params: settings.params ?? {} }, own, memory.policy.models));
      }
    }
  }

  /** Whether an /import waits for its yes or no (the next line). */
  get asking(): boolean {
    return this.pendingImport !== undefined;
  }

  /**
   * Ctrl-C, with `typed` on the line so far. While an answer is being written it is cut off, and
   * neither it nor its question is stored (the answer's sink says so). Otherwise it behaves as in
   * a shell: the line is dropped (an /import waiting for its yes or no is cancelled), and on an
   * empty line it says how to leave, and leaves at the second one in a row.
   */
  interrupt(typed: string): Interrupted {
    const { out } = this.options;
    if (this.answering) {
      this.idleInterrupts = 0;
      return this.cancelAnswer() ? 'cancelled' : 'too_late';
    }
    // The prompt's line ends here; what follows starts on its own.
    out.write('\n');
    if (this.pendingImport !== undefined) {
      this.pendingImport = undefined;
      this.idleInterrupts = 0;
      out.write(`${IMPORT_CANCELLED}\n`);
      return 'cleared';
    }
    if (typed.trim() !== '') {
      this.idleInterrupts = 0;
      return 'cleared';
    }
    this.idleInterrupts += 1;
    if (this.idleInterrupts >= 2) return 'quit';
    out.write(`${INTERRUPT_HINT}\n`);
    return 'warned';
  }

  /**
   * Cuts off the answer being written, if any: neither it nor its question is stored. False when
   * none is, or it is already complete (it is then stored as usual).
   */
  cancelAnswer(): boolean {
    return this.answering && this.options.engine.cancel(this.options.session, 'interrupted');
  }

  private async ask(text: string): Promise<LineResult> {
    const { engine, session, authorName, out, err } = this.options;
    this.asked += 1;
    const sink = new TerminalSink(out, err);
    this.answering = true;
    let outcome: AnswerOutcome;
    try {
      outcome = await engine.ask(
        {
          sessionKey: session,
          asker: terminalAsker(session),
          authorName,
          content: text,
          sourceId: `terminal-${String(Date.now())}-${String(this.asked)}`,
          place: { server: '', channel: session, bot: BOT_NAME },
        },
        sink,
      );
    } finally {
      this.answering = false;
      this.idleInterrupts = 0;
    }
    // Stopped by the person: what they asked for, not a failure.
    if (sink.stopped) return 'ok';
    return outcome === 'answered' && !sink.problem ? 'ok' : 'failed';
  }

  private async retry(): Promise<LineResult> {
    const { engine, session, out } = this.options;
    const sink = new TerminalRetrySink(out, this.options.err);
    const outcome = await engine.retry(
      { sessionKey: session, asker: terminalAsker(session), moderator: true, place: { server: '', channel: session, bot: BOT_NAME } },
      sink,
    );
    if (outcome !== 'answered' || sink.problem) return 'failed';
    out.write(`${retriedText(sink.regenerated?.authorName ?? '')}\n`);
    return 'ok';
  }
}

/** The terminal's asker: the one person at it, who owns the session (so may retry any round). */
function terminalAsker(session: string): Asker {
  return { userId: 'terminal', channelId: session, roleIds: [] };
}

/** A file for /import, within the bound (a larger one is refused by its size, unread). */
async function readImportFile(path: string): Promise<{ text: string; size: number }> {
  try {
    const { size } = await stat(path);
    if (size > MAX_IMPORT_BYTES) return { text: '', size };
    return { text: await readFile(path, 'utf8'), size };
  } catch (error) {
    throw userError('file_failed', { action: 'read', path, reason: codeOf(error) });
  }
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'EIO';
}
