import { isUserError } from '../domain/errors.js';
import type { HistoryMessage } from '../domain/message.js';
import type { Logger } from '../logger.js';
import { type ChatModel, type CompletionRequest, ModelError } from './chat-model.js';
import { KeyedQueue } from './keyed-queue.js';
import type { SessionService } from './session-service.js';

/** A message that asks the bot something. */
export interface Question {
  readonly sessionKey: string;
  readonly authorId: string;
  readonly authorName: string;
  readonly content: string;
  readonly discordMessageId: string;
}

/** Where an answer goes while it is produced (the Discord reply, in the bot). */
export interface ReplySink {
  /** Called when work on the question begins (e.g. show typing). */
  start(): Promise<void>;
  /** The reply so far; called often, the sink decides how often to show it. */
  progress(textSoFar: string): void;
  /** The full reply. Returns the ids of the messages it was delivered as. */
  finish(text: string): Promise<readonly string[]>;
  /** Nothing (more) will come; `partial` is what was already shown, if anything. */
  fail(message: string, partial: string): Promise<void>;
}

export type AnswerOutcome = 'answered' | 'rejected' | 'failed' | 'undelivered';

export const NOT_ADDED = 'Your message was not added to memory.';

/**
 * Answers questions: context from the session, a streamed completion, then the round committed.
 * Questions in one session are answered one after another in arrival order, each seeing the
 * round before it; different sessions run concurrently.
 */
export class ChatService {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly sessions: SessionService,
    private readonly model: ChatModel,
    private readonly logger: Logger,
    private readonly maxReplyTokens: number,
  ) {}

  answer(question: Question, sink: ReplySink): Promise<AnswerOutcome> {
    return this.queue.run(question.sessionKey, () => this.answerNow(question, sink));
  }

  /** Resolves when every question accepted so far has been answered or failed. */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  get inFlight(): number {
    return this.queue.busyKeys;
  }

  private async answerNow(question: Question, sink: ReplySink): Promise<AnswerOutcome> {
    const log = this.logger.child({ session: question.sessionKey, message: question.discordMessageId });
    let asked: HistoryMessage;
    let request: CompletionRequest;
    try {
      asked = this.sessions.message({
        role: 'user',
        content: question.content,
        authorId: question.authorId,
        authorName: question.authorName,
        discordMessageIds: [question.discordMessageId],
      });
      const { context, settings } = await this.sessions.context(question.sessionKey, asked);
      request = { model: settings.model, messages: context.messages, maxTokens: this.maxReplyTokens };
      log.debug({ promptTokens: context.tokens, omitted: context.omitted }, 'context built');
    } catch (error) {
      if (!isUserError(error)) throw error;
      await sink.fail(error.message, '');
      return 'rejected';
    }

    await sink.start();
    let shown = '';
    let text: string;
    try {
      const completion = await this.model.complete(request, (soFar) => {
        shown = soFar;
        sink.progress(soFar);
      });
      text = completion.text;
      if (completion.finishReason === 'length') log.info('reply stopped at MAX_REPLY_TOKENS');
    } catch (error) {
      const failure = error instanceof ModelError ? error : new ModelError('unavailable', 'The model could not answer.', { cause: error });
      log.warn({ kind: failure.kind, err: failure.cause ?? failure }, 'completion failed');
      await sink.fail(`${failure.userMessage} ${NOT_ADDED}`, shown);
      return 'failed';
    }
    if (text.trim() === '') {
      await sink.fail(`The model returned an empty answer. ${NOT_ADDED}`, '');
      return 'failed';
    }

    let delivered: readonly string[];
    try {
      delivered = await sink.finish(text);
    } catch (error) {
      // The person never saw the answer, so it must not become memory they did not see.
      log.warn({ err: error }, 'answer could not be delivered; nothing was committed');
      return 'undelivered';
    }
    const reply = this.sessions.message({ role: 'assistant', content: text, discordMessageIds: delivered });
    await this.sessions.commitRound(question.sessionKey, [asked, reply]);
    return 'answered';
  }
}
