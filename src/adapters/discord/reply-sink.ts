import type { Message, MessageCreateOptions, MessageEditOptions, MessageMentionOptions, TextBasedChannel } from 'discord.js';
import type { Logger } from '../../logger.js';
import type { ReplySink } from '../../engine/engine.js';
import type { AnswerNote, AttachmentNote } from '../../engine/attachment-notes.js';
import type { AnswerProblem } from '../../engine/problems.js';
import { answerProblemReply, type DiscordLocale, interruptedMark, noteLines } from './presenter.js';
import { DISCORD_MESSAGE_LIMIT, splitForDisplay, splitMessage } from './split-message.js';

/** The messages a reply is shown in: its text split, with `footer` lines under the last piece (or after it, when they do not fit). */
export function replyPieces(text: string, footer: readonly string[]): string[] {
  const pieces = splitMessage(text);
  const under = footer.join('\n');
  const last = pieces.at(-1);
  if (under !== '' && last !== undefined && last.length + 1 + under.length <= DISCORD_MESSAGE_LIMIT) {
    pieces[pieces.length - 1] = `${last}\n${under}`;
  } else if (under !== '') {
    pieces.push(...splitMessage(under));
  }
  return pieces;
}

/**
 * What an answer replies to: the question's message (a mention), or a question known by its id
 * only (a /retry, which answers a question asked earlier).
 */
export interface ReplyTarget {
  readonly id: string;
  readonly channel: TextBasedChannel;
  reply(options: { content: string; allowedMentions: MessageMentionOptions }): Promise<Message>;
}

/**
 * The message `messageId` in `channel` as a reply target, without fetching it: a reply to it is a
 * message that references it, sent as an ordinary one if it was deleted meanwhile. Without an id
 * (a question that has no Discord message) the answer is an ordinary message.
 */
export function replyTargetIn(channel: TextBasedChannel, messageId: string | undefined): ReplyTarget {
  return {
    id: messageId ?? channel.id,
    channel,
    reply: (options) => {
      if (!('send' in channel)) return Promise.reject(new Error(`cannot send to channel ${channel.id}`));
      return channel.send(messageId === undefined ? options : { ...options, reply: { messageReference: messageId, failIfNotExists: false } });
    },
  };
}

/** Model output must never ping anyone; the reply may ping the person who asked. */
export const NO_PINGS = { parse: [], repliedUser: true } as const;

export interface ReplySinkOptions {
  /** Least time between two edits of the streaming reply (Discord allows about one a second). */
  readonly editIntervalMs: number;
  /** How long an answer may take to show its first text before typing is shown (TYPING_DELAY_MS). */
  readonly typingDelayMs: number;
  readonly logger: Logger;
  /** Whose words the failures and notes are in: the guild's preferred locale (undefined in a DM: English). */
  readonly locale: DiscordLocale;
}

/**
 * Typing is shown only for answers that take longer than this to start: an answer already on
 * its way would show typing for a blink, and the request would cost one of the bot's 50 requests
 * a second and the CPU other answers are waiting for. Hosted models usually take longer than this
 * to send their first words, so typing still shows for most answers, this much later.
 */
export const TYPING_DELAY_MS = 250;
const TYPING_REFRESH_MS = 8_000; // Discord shows typing for about 10 s per request.

/**
 * Streams an answer into Discord: typing while waiting (once the wait is noticeable), a reply to
 * the question that is edited as text arrives (throttled), and further messages when the text
 * outgrows one message.
 */
export class DiscordReplySink implements ReplySink {
  private readonly sent: Message[] = [];
  private readonly shownContent: string[] = [];
  private latest = '';
  private lastRender = 0;
  private timer: NodeJS.Timeout | undefined;
  private typing: NodeJS.Timeout | undefined;
  private work: Promise<void> = Promise.resolve();
  private renderError: Error | undefined;
  private done = false;

  constructor(
    private readonly trigger: ReplyTarget,
    private readonly options: ReplySinkOptions,
  ) {}

  /**
   * Shows typing if no text has been shown after the typing delay, and keeps it up until the
   * first text is; never waits for Discord to confirm it: the answer must not queue behind it.
   */
  start(): Promise<void> {
    this.typing = setTimeout(() => {
      void this.sendTyping();
      this.typing = setInterval(() => void this.sendTyping(), TYPING_REFRESH_MS);
    }, this.options.typingDelayMs);
    return Promise.resolve();
  }

  progress(textSoFar: string): void {
    if (this.done) return;
    this.latest = textSoFar;
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastRender + this.options.editIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue(splitForDisplay(this.latest));
    }, wait);
  }

  /** Streaming stops; once what was on its way is sent, the ids of the messages the answer is in so far. */
  async settle(): Promise<readonly string[]> {
    this.stop();
    await this.work;
    return this.sent.map((m) => m.id);
  }

  async finish(text: string, notes: readonly AnswerNote[] = []): Promise<readonly string[]> {
    this.stop();
    await this.work;
    // Notes (e.g. an attachment that was not read) are shown under the reply, never stored with it.
    const pieces = replyPieces(text, noteLines(notes, this.options.locale));
    await this.render(pieces);
    // The final split can need fewer messages than a streaming one did.
    for (const extra of this.sent.splice(pieces.length)) {
      await extra.delete().catch((error: unknown) => this.options.logger.debug({ err: error }, 'extra message not deleted'));
    }
    this.shownContent.splice(pieces.length);
    return this.sent.map((m) => m.id);
  }

  async fail(problem: AnswerProblem, partial: string, notes: readonly AttachmentNote[] = []): Promise<void> {
    this.stop();
    await this.work;
    try {
      const last = this.sent.at(-1);
      const lastContent = this.shownContent.at(-1);
      const mark = interruptedMark(this.options.locale);
      if (partial !== '' && last !== undefined && lastContent !== undefined) {
        if (lastContent.length + mark.length <= DISCORD_MESSAGE_LIMIT) {
          await last.edit({ content: lastContent + mark, allowedMentions: NO_PINGS });
        }
      }
      await this.trigger.reply({ content: answerProblemReply(problem, notes, this.options.locale), allowedMentions: NO_PINGS });
    } catch (error) {
      this.options.logger.warn({ err: error, message: this.trigger.id }, 'could not tell the user that answering failed');
    }
  }

  /**
   * Takes back what was shown of an answer that will not stand (a retry that failed): streaming
   * stops and the messages sent for it are deleted, so the channel shows what memory holds.
   */
  async discard(): Promise<void> {
    this.stop();
    await this.work;
    for (const message of this.sent.splice(0)) {
      await message.delete().catch((error: unknown) => this.options.logger.debug({ err: error }, 'message of a discarded answer not deleted'));
    }
    this.shownContent.splice(0);
  }

  private stop(): void {
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopTyping();
  }

  /** Typing ends (or never starts) once text is on its way: typing sent after it would linger. */
  private stopTyping(): void {
    if (this.typing !== undefined) clearTimeout(this.typing);
    this.typing = undefined;
  }

  private enqueue(pieces: string[]): void {
    this.work = this.work.then(() =>
      this.render(pieces).catch((error: unknown) => {
        // Kept for finish(); a failed progress edit must not become an unhandled rejection.
        this.renderError ??= error instanceof Error ? error : new Error(String(error));
      }),
    );
  }

  private async render(pieces: readonly string[]): Promise<void> {
    if (this.renderError !== undefined) throw this.renderError;
    this.lastRender = Date.now();
    for (const [i, content] of pieces.entries()) {
      const existing = this.sent[i];
      if (existing === undefined) {
        if (i === 0) this.stopTyping();
        this.sent.push(await this.send(content, i === 0));
        this.shownContent[i] = content;
      } else if (this.shownContent[i] !== content) {
        await existing.edit({ content, allowedMentions: NO_PINGS } satisfies MessageEditOptions);
        this.shownContent[i] = content;
      }
    }
  }

  private async send(content: string, first: boolean): Promise<Message> {
    if (first) {
      return this.trigger.reply({ content, allowedMentions: NO_PINGS });
    }
    const channel = this.trigger.channel;
    if (!('send' in channel)) throw new Error(`cannot send to channel ${channel.id}`);
    return channel.send({ content, allowedMentions: { parse: [] } } satisfies MessageCreateOptions);
  }

  private async sendTyping(): Promise<void> {
    const channel = this.trigger.channel;
    if (!('sendTyping' in channel)) return;
    await channel.sendTyping().catch((error: unknown) => this.options.logger.debug({ err: error }, 'typing failed'));
  }
}
