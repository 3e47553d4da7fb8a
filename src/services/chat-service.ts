import type { Context } from '../domain/context.js';
import { isUserError, type UserError } from '../domain/errors.js';
import type { HistoryMessage } from '../domain/message.js';
import type { SlidingWindowLimiter } from '../domain/rate-limit.js';
import type { Logger } from '../logger.js';
import { type ChatModel, type Completion, type CompletionRequest, ModelError } from './chat-model.js';
import { KeyedQueue } from './keyed-queue.js';
import { Semaphore } from './semaphore.js';
import type { SessionService } from './session-service.js';

/** What a question's attachments gave: text to append, image URLs for this request, notes for the asker. */
export interface Attached {
  readonly text: string;
  readonly images: readonly string[];
  readonly notes: readonly string[];
}

/** A message that asks the bot something. */
export interface Question {
  readonly sessionKey: string;
  readonly authorId: string;
  readonly authorName: string;
  readonly content: string;
  readonly discordMessageId: string;
  /** Reads the attachments; called in the session's turn, so a slow download keeps arrival order. */
  readonly attachments?: () => Promise<Attached>;
}

/** Where an answer goes while it is produced (the Discord reply, in the bot). */
export interface ReplySink {
  /** Called when work on the question begins (e.g. show typing). */
  start(): Promise<void>;
  /** The reply so far; called often, the sink decides how often to show it. */
  progress(textSoFar: string): void;
  /**
   * The full reply, and notes to show under it (not part of the reply). Returns the ids of the
   * messages it was delivered as.
   */
  finish(text: string, notes: readonly string[]): Promise<readonly string[]>;
  /** Nothing (more) will come; `partial` is what was already shown, if anything. */
  fail(message: string, partial: string): Promise<void>;
}

export type AnswerOutcome = 'answered' | 'rejected' | 'rate_limited' | 'failed' | 'undelivered';

export const NOT_ADDED = 'Your message was not added to memory.';

export interface ChatServiceOptions {
  readonly maxReplyTokens: number;
  /** Completions running at once across all channels. */
  readonly maxConcurrent: number;
  /** Per-user limit on questions; undefined for none. */
  readonly userLimiter?: SlidingWindowLimiter | undefined;
  readonly now?: () => number;
}

/**
 * Answers questions: context from the session, a streamed completion, then the round committed.
 * Questions in one session are answered one after another in arrival order, each seeing the
 * round before it; different sessions run concurrently, up to a global cap on completions.
 */
export class ChatService {
  private readonly queue = new KeyedQueue();
  private readonly slots: Semaphore;
  private readonly now: () => number;

  constructor(
    private readonly sessions: SessionService,
    private readonly model: ChatModel,
    private readonly logger: Logger,
    private readonly options: ChatServiceOptions,
  ) {
    this.slots = new Semaphore(options.maxConcurrent);
    this.now = options.now ?? Date.now;
  }

  async answer(question: Question, sink: ReplySink): Promise<AnswerOutcome> {
    const limiter = this.options.userLimiter;
    if (limiter !== undefined) {
      const decision = limiter.take(question.authorId, this.now());
      if (!decision.allowed) {
        this.logger.info({ user: question.authorId, session: question.sessionKey }, 'user rate limited');
        if (decision.notify) {
          const seconds = Math.ceil(decision.retryAfterMs / 1000);
          await sink.fail(
            `You're asking faster than I answer (at most ${limiter.limit} questions a minute). Try again in ${seconds} s; until then I won't answer you, and what you send is not added to memory.`,
            '',
          );
        }
        return 'rate_limited';
      }
    }
    return this.queue.run(question.sessionKey, async () => {
      try {
        return await this.answerNow(question, sink);
      } catch (error) {
        // A bug or a failing store: the asker still hears that nothing was kept, and typing stops.
        this.logger.error({ err: error, session: question.sessionKey, message: question.discordMessageId }, 'answering failed');
        await sink.fail(`Something went wrong on my side. ${NOT_ADDED}`, '').catch(() => undefined);
        return 'failed';
      }
    });
  }

  /** Resolves when every question accepted so far has been answered or failed. */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  /** Sessions with a question queued or being answered. */
  get busySessions(): number {
    return this.queue.busyKeys;
  }

  private async answerNow(question: Question, sink: ReplySink): Promise<AnswerOutcome> {
    const log = this.logger.child({ session: question.sessionKey, message: question.discordMessageId });
    const attached = (await question.attachments?.()) ?? { text: '', images: [], notes: [] };
    const withNotes = (message: string): string => [message, ...attached.notes.map((n) => `-# 📎 ${n}`)].join('\n');
    let asked: HistoryMessage;
    let context: Context;
    let model: string;
    try {
      asked = this.sessions.message({
        role: 'user',
        content: question.content,
        attached: attached.text,
        authorId: question.authorId,
        authorName: question.authorName,
        discordMessageIds: [question.discordMessageId],
      });
      // Typing as soon as the question is known to be valid, before any store or model work.
      await sink.start();
      ({ context, settings: { model } } = await this.sessions.context(question.sessionKey, asked, { images: attached.images }));
      log.debug({ promptTokens: context.tokens, omitted: context.omitted }, 'context built');
    } catch (error) {
      if (!isUserError(error)) throw error;
      await sink.fail(withNotes(error.message), '');
      return 'rejected';
    }

    let shown = '';
    const onText = (soFar: string): void => {
      shown = soFar;
      sink.progress(soFar);
    };
    const request: CompletionRequest = { model, messages: context.messages, maxTokens: this.options.maxReplyTokens };
    let outcome = await this.attempt(request, onText);
    if (!outcome.ok && isContextLength(outcome.error) && shown === '') {
      const smaller = await this.smallerContext(question, asked, attached.images, context, outcome.error, log);
      if (isUserError(smaller)) {
        await sink.fail(withNotes(smaller.message), '');
        return 'rejected';
      }
      outcome = await this.attempt({ ...request, messages: smaller.messages }, onText);
    }
    if (!outcome.ok) {
      const failure =
        outcome.error instanceof ModelError
          ? outcome.error
          : new ModelError('unavailable', 'The model could not answer.', { cause: outcome.error });
      log.warn({ kind: failure.kind, err: failure.cause ?? failure }, 'completion failed');
      await sink.fail(withNotes(`${failure.userMessage} ${NOT_ADDED}`), shown);
      return 'failed';
    }
    const completion = outcome.completion;
    if (completion.finishReason === 'length') log.info('reply stopped at MAX_REPLY_TOKENS');
    const text = completion.text;
    if (text.trim() === '') {
      await sink.fail(withNotes(`The model returned an empty answer. ${NOT_ADDED}`), '');
      return 'failed';
    }

    let delivered: readonly string[];
    try {
      delivered = await sink.finish(text, attached.notes);
    } catch (error) {
      // The person never saw the answer, so it must not become memory they did not see.
      log.warn({ err: error }, 'answer could not be delivered; nothing was committed');
      return 'undelivered';
    }
    const reply = this.sessions.message({ role: 'assistant', content: text, discordMessageIds: delivered });
    await this.sessions.commitRound(question.sessionKey, [asked, reply]);
    return 'answered';
  }

  private async attempt(
    request: CompletionRequest,
    onText: (soFar: string) => void,
  ): Promise<{ ok: true; completion: Completion } | { ok: false; error: unknown }> {
    try {
      return { ok: true, completion: await this.slots.use(() => this.model.complete(request, onText)) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * The server's context window is smaller than configured: a context for one retry with a
   * smaller budget (what the server says it holds, else three quarters of what was sent), or the
   * UserError saying the question cannot fit even so.
   */
  private async smallerContext(
    question: Question,
    asked: HistoryMessage,
    images: readonly string[],
    first: Context,
    error: unknown,
    log: Logger,
  ): Promise<Context | UserError> {
    const cause = error instanceof ModelError ? error.cause : error;
    const said = /maximum context length is (\d+)/.exec(cause instanceof Error ? cause.message : '')?.[1];
    const fromServer = said === undefined ? Infinity : Number(said) - this.options.maxReplyTokens;
    const budget = Math.max(1, Math.floor(Math.min(first.tokens * 0.75, fromServer)));
    log.warn(
      { promptTokens: first.tokens, retryBudget: budget, serverContext: said ?? 'unknown' },
      'the model server says the context is too long; retrying once with a smaller budget. Lower CONTEXT_TOKENS to what the server holds',
    );
    try {
      return (await this.sessions.context(question.sessionKey, asked, { budget, images })).context;
    } catch (contextError) {
      if (isUserError(contextError)) return contextError;
      throw contextError;
    }
  }
}

function isContextLength(error: unknown): boolean {
  return error instanceof ModelError && error.kind === 'context_length';
}
