import type { Asker } from '../domain/access.js';
import type { Context } from '../domain/context.js';
import { isUserError, type UserError } from '../domain/errors.js';
import type { DraftMessage, HistoryMessage } from '../domain/message.js';
import { draftOf, type RetryTarget, retryTarget, type StoredRound } from '../domain/session.js';
import { condenseMessages, fitsBound, type Summary } from '../domain/summary.js';
import { TOKENS_PER_MESSAGE, TOKENS_REPLY_PRIMING } from '../domain/tokens.js';
import type { UsageEntry } from '../domain/usage.js';
import type { ModelParams } from '../domain/model-params.js';
import { fillPlaceholders, type Place, placeholderValues } from '../domain/placeholders.js';
import type { Logger } from '../logger.js';
import type { AnswerNote, AttachmentNote } from './attachment-notes.js';
import { type ChatModel, type Completion, type CompletionRequest, ModelError } from './chat-model.js';
import { type ContextRequest, type ContextStrategy, windowStrategy } from './context-strategy.js';
import { KeyedQueue } from './keyed-queue.js';
import { MemoryBusyError, type Memory } from './memory.js';
import { admit, type Precondition } from './preconditions.js';
import type { AnswerProblem, CancelReason, Refusal } from './problems.js';
import { Semaphore } from './semaphore.js';
import { StoreUnavailableError } from './session-store.js';
import { NO_OBSERVER, type TurnObserver } from './turn-observer.js';

/** What a question's attachments gave: text to append, image URLs for this request, notes for the asker. */
export interface Attached {
  readonly text: string;
  readonly images: readonly string[];
  /** One per attachment that was not used, and why; shown under the answer, never stored. */
  readonly notes: readonly AttachmentNote[];
}

const NOTHING_ATTACHED: Attached = { text: '', images: [], notes: [] };

/** Something a person asks, from any surface. */
export interface Question {
  readonly sessionKey: string;
  readonly asker: Asker;
  readonly authorName: string;
  readonly content: string;
  /** The surface's id of the message that asked (a Discord message id), kept with the round. */
  readonly sourceId: string;
  /** Where it was asked, for the system prompt's placeholders; none are filled without it. */
  readonly place?: Place;
  /** Reads the attachments; called in the session's turn, so a slow download keeps arrival order. */
  readonly attachments?: () => Promise<Attached>;
}

/** Where an answer goes while it is produced: a surface's rendering of it. */
export interface ReplySink {
  /** Called when work on the question begins (e.g. to show typing). */
  start(): Promise<void>;
  /** The reply so far; called often, the sink decides how often to show it. */
  progress(textSoFar: string): void;
  /**
   * The answer is complete: stop showing progress, and return the ids of what it is shown in so
   * far (stored with it before it is shown in full, so a start after a crash can finish it there).
   */
  settle(): Promise<readonly string[]>;
  /** The full reply and notes to show under it; returns the ids of what it was delivered as. */
  finish(text: string, notes: readonly AnswerNote[]): Promise<readonly string[]>;
  /** Nothing (more) will come; `partial` is what was already shown, if anything. */
  fail(problem: AnswerProblem, partial: string, notes: readonly AttachmentNote[]): Promise<void>;
}

/** A request to regenerate a session's last answer (/retry), from any surface. */
export interface RetryRequest {
  readonly sessionKey: string;
  readonly asker: Asker;
  /** May regenerate anyone's round: a moderator, or the person of a DM (see RetryRequester). */
  readonly moderator: boolean;
  /** Where it is asked, for the system prompt's placeholders; none are filled without it. */
  readonly place?: Place;
}

/** Where a retry's new answer goes: a reply sink, told which question it answers once that is known. */
export interface RetrySink extends ReplySink {
  /** The round to regenerate was found; `question` is the one its new answer replies to. Called before start(). */
  regenerating(question: HistoryMessage): void;
}

export const ANSWER_OUTCOMES = ['answered', 'ignored', 'rejected', 'rate_limited', 'failed', 'undelivered'] as const;
export type AnswerOutcome = (typeof ANSWER_OUTCOMES)[number];

export interface EngineOptions {
  readonly maxReplyTokens: number;
  /** Completions running at once across all sessions. */
  readonly maxConcurrent: number;
  /** Checks every question (and, where they cover it, every command) must pass first. */
  readonly preconditions?: readonly Precondition[];
  readonly strategy?: ContextStrategy;
  readonly now?: () => number;
  /** Told how each turn went (metrics); nothing by default. */
  readonly observer?: TurnObserver;
  /** TIMEZONE: the zone of `{date}` and `{time}` in system prompts; the host's when unset. */
  readonly timeZone?: string | undefined;
}

type Attempt = { ok: true; completion: Completion } | { ok: false; error: unknown };

/**
 * Owns a turn, for every surface: admit → read attachments → build the context → complete (with
 * one retry on a smaller context when the server's window is smaller than configured) → deliver
 * → commit. Questions in one session are answered one after another in arrival order, each
 * seeing the round before it; sessions run concurrently, up to a cap on completions. Memory
 * (reads and changes, answers and commands alike) goes through `memory`, which holds the one
 * per-session lock. Knows nothing of Discord: surfaces parse input and render through sinks and
 * presenters.
 */
export class Engine {
  private readonly turns = new KeyedQueue();
  private readonly slots: Semaphore;
  private readonly now: () => number;
  private readonly preconditions: readonly Precondition[];
  private readonly strategy: ContextStrategy;
  private readonly observer: TurnObserver;
  /** The answers being completed, by session, so stopping or a command can cut them off. */
  private readonly inFlight = new Map<AbortController, InFlight>();
  private stopping = false;
  private pendingTimer: NodeJS.Timeout | undefined;
  /** Summaries being made, one per session at most (summary mode), so stopping can cut them off. */
  private readonly folds = new Map<string, { readonly done: Promise<void>; readonly abort: AbortController }>();

  constructor(
    readonly memory: Memory,
    private readonly model: ChatModel,
    private readonly logger: Logger,
    private readonly options: EngineOptions,
  ) {
    this.slots = new Semaphore(options.maxConcurrent);
    this.now = options.now ?? Date.now;
    this.preconditions = options.preconditions ?? [];
    this.strategy = options.strategy ?? windowStrategy;
    this.observer = options.observer ?? NO_OBSERVER;
  }

  /** Whether `asker` may run a command on memory: the same preconditions questions pass. */
  admitCommand(asker: Asker): Refusal | undefined {
    return admit(this.preconditions, 'command', asker, this.now());
  }

  async ask(question: Question, sink: ReplySink): Promise<AnswerOutcome> {
    const outcome = await this.turn(question, sink, performance.now());
    this.observer.answered(outcome);
    return outcome;
  }

  private async turn(question: Question, sink: ReplySink, started: number): Promise<AnswerOutcome> {
    const refusal = admit(this.preconditions, 'question', question.asker, this.now());
    if (refusal !== undefined) return this.refuse(question, refusal, sink);
    return this.inTurn(question.sessionKey, question.sourceId, sink, () => this.answer(question, sink, started));
  }

  /**
   * Regenerates the session's last answer (/retry): the last round's question is sent again with
   * the history before that round, and the new answer, once complete, replaces the round in one
   * change (replaceRound) before it is shown in full, as every answer is stored first. A retry
   * that fails at any point changes nothing: the old round stays. It runs in the session's turn,
   * so it is ordered with questions, and the rate limit counts it as one (it costs a completion).
   */
  async retry(request: RetryRequest, sink: RetrySink): Promise<AnswerOutcome> {
    const started = performance.now();
    const refusal = admit(this.preconditions, 'question', request.asker, this.now());
    let outcome: AnswerOutcome;
    if (refusal?.code === 'not_enabled') outcome = 'ignored';
    else if (refusal !== undefined) {
      // A command is always answered, even past a question's one notice.
      await sink.fail({ code: 'rate_limited', limit: refusal.limit, retryAfterMs: refusal.retryAfterMs }, '', []);
      outcome = 'rate_limited';
    } else {
      outcome = await this.inTurn(request.sessionKey, 'retry', sink, () => this.regenerate(request, sink, started));
    }
    this.observer.answered(outcome);
    return outcome;
  }

  /** Runs `work` in the session's turn; a bug or a failing store ends it as a failure the asker is told of. */
  private inTurn(key: string, sourceId: string, sink: ReplySink, work: () => Promise<AnswerOutcome>): Promise<AnswerOutcome> {
    return this.turns.run(key, async () => {
      if (this.stopping) {
        await sink.fail({ code: 'restarting', interrupted: false }, '', []).catch(() => undefined);
        return 'failed';
      }
      try {
        return await work();
      } catch (error) {
        // A bug or a failing store: the asker still hears that nothing was kept, and typing stops.
        const gone = error instanceof StoreUnavailableError;
        this.logger.error(
          { err: error, session: key, message: sourceId },
          gone ? 'the store is unavailable: nothing of this answer was stored' : 'answering failed',
        );
        await sink.fail({ code: gone ? 'store_unavailable' : 'internal' }, '', []).catch(() => undefined);
        return 'failed';
      }
    });
  }

  /** Resolves when every question accepted so far has been answered or failed, the summaries they started are made, and memory is idle. */
  async drain(): Promise<void> {
    await this.turns.drain();
    while (this.folds.size > 0) await Promise.all([...this.folds.values()].map((fold) => fold.done));
    await this.memory.drain();
  }

  /**
   * Stops taking questions: those still queued are told the bot is restarting; answers under way
   * get `graceMs` to finish, then are cut off (the person is told, and nothing of them is stored).
   * Resolves when nothing is left running. True when everything finished within the grace.
   */
  async stop(graceMs: number): Promise<boolean> {
    this.stopping = true;
    clearTimeout(this.pendingTimer);
    // A summary in the making holds nothing anyone said: what it would fold is still in memory.
    for (const fold of this.folds.values()) fold.abort.abort(new CutOff('stopping'));
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.drain().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!finished) {
      for (const abort of this.inFlight.keys()) abort.abort(new CutOff('stopping'));
      await this.drain();
    }
    return finished;
  }

  /**
   * Cuts off the answer being worked on in session `key`, if any (it is then not stored and its
   * asker is told `by` cancelled it): /reset and /rollback do, so the memory they leave is the one
   * the person sees, and so does the asker interrupting it (Ctrl-C in the terminal). An answer is
   * being worked on from the start of its turn (its attachments read, its context built) until its
   * completion ends; one already complete is committed first, and the command acts on it.
   * True when a new round was cut off; a retry cut off leaves its old round in memory, so it does
   * not count as one.
   */
  cancel(key: string, by: CancelReason): boolean {
    let cancelled = false;
    for (const [abort, answer] of this.inFlight) {
      if (answer.key !== key || abort.signal.aborted) continue;
      abort.abort(new CutOff(by));
      if (!answer.retry) cancelled = true;
    }
    return cancelled;
  }

  /** The answer being completed in session `key`, if any (for /history). */
  answering(key: string): Omit<InFlight, 'key'> | undefined {
    for (const [abort, answer] of this.inFlight) {
      if (answer.key === key && !abort.signal.aborted) return { authorName: answer.authorName, question: answer.question, retry: answer.retry };
    }
    return undefined;
  }

  /** Sessions with a question queued or being answered. */
  get busySessions(): number {
    return this.turns.busyKeys;
  }

  /** Questions queued or being answered in the session that has the most (0 when idle). */
  get maxQueueDepth(): number {
    return this.turns.maxDepth;
  }

  /** Completions running now, and those waiting for one of the MAX_CONCURRENT_COMPLETIONS slots. */
  get completions(): { readonly running: number; readonly waiting: number } {
    return { running: this.slots.inUse, waiting: this.slots.queued };
  }

  private async refuse(question: Question, refusal: Refusal, sink: ReplySink): Promise<AnswerOutcome> {
    if (refusal.code === 'not_enabled') {
      // Outside the allowed set the bot stays silent: a reply would invite more of the same.
      this.logger.debug({ session: question.sessionKey, user: question.asker.userId, access: refusal.decision }, 'question ignored');
      return 'ignored';
    }
    this.logger.info({ user: question.asker.userId, session: question.sessionKey }, 'user rate limited');
    if (refusal.notify) await sink.fail({ code: 'rate_limited', limit: refusal.limit, retryAfterMs: refusal.retryAfterMs }, '', []);
    return 'rate_limited';
  }

  private async answer(question: Question, sink: ReplySink, started: number): Promise<AnswerOutcome> {
    // Cancellable from the start of its turn, not only while it streams: an answer whose context was
    // read before a /reset, or that its asker interrupted while its attachments were read, must not
    // be completed and stored.
    const abort = this.track(question, false);
    try {
      const attached = (await question.attachments?.()) ?? NOTHING_ATTACHED;
      if (abort.signal.aborted) return await this.cutOff(abort.signal, '', sink, attached, this.logger);
      let asked: DraftMessage;
      try {
        asked = this.memory.message({
          role: 'user',
          content: question.content,
          attached: attached.text,
          authorId: question.asker.userId,
          authorName: question.authorName,
          discordMessageIds: [question.sourceId],
        });
      } catch (error) {
        if (!isUserError(error)) throw error;
        await sink.fail({ code: 'refused', error }, '', attached.notes);
        return 'rejected';
      }
      return await this.produce({ question, asked, attached }, sink, started, abort);
    } finally {
      this.inFlight.delete(abort);
    }
  }

  /** Registers an answer as being worked on, so stopping, a command or its asker can cut it off. */
  private track(question: Question, retry: boolean): AbortController {
    const abort = new AbortController();
    this.inFlight.set(abort, { key: question.sessionKey, authorName: question.authorName, question: question.content, retry });
    return abort;
  }

  /** Tells the asker why their answer was cut off (`shown` of it was on screen); nothing of it is stored. */
  private async cutOff(signal: AbortSignal, shown: string, sink: ReplySink, attached: Attached, log: Logger): Promise<AnswerOutcome> {
    const reason: unknown = signal.reason;
    const by = reason instanceof CutOff ? reason.by : 'stopping';
    log.info({ by }, 'answer cut off before it was complete; nothing of it is stored');
    await sink.fail(by === 'stopping' ? { code: 'restarting', interrupted: shown !== '' } : { code: 'cancelled', by }, shown, attached.notes);
    return 'failed';
  }

  /** /retry in its turn: finds the round to regenerate (or refuses), then answers its question again. */
  private async regenerate(request: RetryRequest, sink: RetrySink, started: number): Promise<AnswerOutcome> {
    let target: RetryTarget;
    try {
      target = retryTarget(await this.memory.read(request.sessionKey), { userId: request.asker.userId, moderator: request.moderator });
    } catch (error) {
      if (!isUserError(error)) throw error;
      await sink.fail({ code: 'refused', error }, '', []);
      return 'rejected';
    }
    sink.regenerating(target.question);
    // Sent as it was stored: its text files are in its content; images were never stored, so they do not go again.
    const asked = draftOf(target.question);
    const question: Question = {
      sessionKey: request.sessionKey,
      asker: request.asker,
      authorName: asked.authorName ?? '',
      content: asked.content,
      sourceId: asked.discordMessageIds[0] ?? '',
      ...(request.place === undefined ? {} : { place: request.place }),
    };
    const abort = this.track(question, true);
    try {
      return await this.produce({ question, asked, attached: NOTHING_ATTACHED, replaces: target }, sink, started, abort);
    } finally {
      this.inFlight.delete(abort);
    }
  }

  /** Context → completion → store → deliver → confirm, for a question (a new round) or a retry (a replaced one). */
  private async produce(turn: Turn, sink: ReplySink, started: number, abort: AbortController): Promise<AnswerOutcome> {
    const { question, attached } = turn;
    const log = this.logger.child({ session: question.sessionKey, message: question.sourceId, ...(turn.replaces === undefined ? {} : { retry: true }) });
    const fail = async (problem: AnswerProblem, partial = ''): Promise<void> => sink.fail(problem, partial, attached.notes);

    // Read afresh after each await: a cancel may come during any of them.
    const cutOff = (): boolean => abort.signal.aborted;
    let completed: Awaited<ReturnType<Engine['complete']>>;
    let summarise = false;
    let model = '';
    try {
      const prepared = await this.prepare(turn, sink);
      if (cutOff()) return await this.cutOff(abort.signal, '', sink, attached, log);
      if (isUserError(prepared)) {
        await fail({ code: 'refused', error: prepared });
        return 'rejected';
      }
      const { context, params } = prepared;
      ({ model, summarise } = prepared);
      completed = await this.complete(turn, context, { model, params }, sink, abort.signal, started, log);
    } finally {
      // Complete (or not): from here on a command acts on the stored round instead of cutting it off.
      this.inFlight.delete(abort);
    }
    if (cutOff()) return this.cutOff(abort.signal, completed.shown, sink, attached, log);
    if (isUserError(completed.result)) {
      await fail({ code: 'refused', error: completed.result });
      return 'rejected';
    }
    if (!completed.result.ok) {
      const failure = asModelError(completed.result.error);
      log.warn({ kind: failure.kind, err: failure.cause ?? failure }, 'completion failed');
      await fail({ code: 'model_failed', kind: failure.kind, details: failure.details }, completed.shown);
      return 'failed';
    }
    const { text, finishReason } = completed.result.completion;
    if (finishReason === 'length') log.info('reply stopped at MAX_REPLY_TOKENS');
    if (text.trim() === '') {
      await fail({ code: 'empty_answer' });
      return 'failed';
    }

    const reply = this.memory.message({ role: 'assistant', content: text });
    this.observer.tokens(completed.promptTokens, reply.tokens);
    // What it cost goes with the round: the server's count, else the bot's own.
    const usage = usageEntry(model, completed.result.completion, { prompt: completed.promptTokens, completion: reply.tokens }, this.now());
    // Acknowledged means stored: the round is committed before the person can see it complete.
    const stored = await this.store(turn, { ...reply, discordMessageIds: await sink.settle() }, [usage], log);
    if (turn.replaces !== undefined && isProblem(stored)) {
      // A retry that cannot be stored is not shown: the old round stays, in memory and on screen.
      await fail(stored, completed.shown);
      return 'failed';
    }
    const delivered = await this.deliver(sink, text, [...attached.notes, ...contextNotes(completed.omitted, finishReason)], log);
    if (delivered === undefined) {
      if (!isProblem(stored)) await this.undo(turn, stored, log);
      return 'undelivered';
    }
    this.observer.finished(performance.now() - started);
    if (isProblem(stored)) {
      // Shown, but not memory: the person must know, or they would count on it later.
      await sink.fail(stored, '', []);
      return 'failed';
    }
    await this.confirm(question.sessionKey, stored.reply, log);
    if (summarise) this.summarise(question.sessionKey, log);
    return 'answered';
  }

  /**
   * Folds what is about to leave a summary-mode session's recent buffer into its summary, after
   * the answer was shown, outside the session's turn: the next question does not wait for it.
   * One at a time per session; a failed or slow one (cut off after SUMMARY_TIMEOUT_MS) drops
   * nothing and is tried again after the next answer.
   */
  private summarise(key: string, log: Logger): void {
    if (this.stopping || this.folds.has(key)) return;
    const abort = new AbortController();
    const done = this.fold(key, AbortSignal.any([abort.signal, AbortSignal.timeout(SUMMARY_TIMEOUT_MS)]), log)
      .catch((error: unknown) => {
        log.warn({ err: error }, 'the summary could not be made; nothing was dropped, and it is tried again after the next answer');
      })
      .finally(() => this.folds.delete(key));
    this.folds.set(key, { done, abort });
  }

  private async fold(key: string, signal: AbortSignal, log: Logger): Promise<void> {
    const planned = await this.memory.foldPlan(key);
    if (planned === undefined) return;
    const { plan, model } = planned;
    // Summaries cost tokens too: each completion is counted, kept or not.
    const usage: UsageEntry[] = [];
    const summarise = async (messages: CompletionRequest['messages']): Promise<Completion> => {
      const made = await this.slots.useInBackground(() => this.model.complete({ model, messages, maxTokens: plan.bound, signal }, () => undefined));
      const counted = this.memory.tokens.count(made.text);
      const prompt = messages.reduce((sum, m) => sum + this.memory.tokens.count(m.content) + TOKENS_PER_MESSAGE, TOKENS_REPLY_PRIMING);
      usage.push(usageEntry(model, made, { prompt, completion: counted }, this.now()));
      return made;
    };
    let kept: Summary;
    try {
      let made = await summarise(plan.messages);
      kept = this.memory.summaryOf(made.text.trim());
      if (!fitsBound(kept, plan.bound, made.finishReason)) {
        // Grown past its bound (or cut off there): summarised again, once, before it is kept.
        made = await summarise(condenseMessages(made.text, plan.bound));
        kept = this.memory.summaryOf(made.text.trim());
        if (!fitsBound(kept, plan.bound, made.finishReason)) throw new Error(`the summary stayed over its bound of ${String(plan.bound)} tokens`);
      }
      if (kept.text === '') throw new Error('the summary completion was empty');
    } catch (error) {
      await this.memory.recordUsage(key, usage).catch(() => undefined);
      throw error;
    }
    const folded = await this.memory.applyFold(key, plan, kept, usage);
    log.info({ folded, planned: plan.folded.length }, folded > 0 ? 'older messages were folded into the summary' : 'memory changed while the summary was made; it was not kept');
  }

  /** The turn's context and model; a UserError when it is refused. */
  private async prepare(turn: Turn, sink: ReplySink): Promise<{ context: Context; model: string; params: ModelParams; summarise: boolean } | UserError> {
    const { question } = turn;
    try {
      // Typing as soon as the question is known to be valid, before any store or model work.
      await sink.start();
      const { context, settings } = await this.strategy.build(this.memory, this.contextRequest(turn));
      this.logger.debug({ session: question.sessionKey, promptTokens: context.tokens, omitted: context.omitted }, 'context built');
      return { context, model: settings.model, params: settings.params ?? {}, summarise: settings.memoryMode === 'summary' };
    } catch (error) {
      if (isUserError(error)) return error;
      throw error;
    }
  }

  /**
   * Streams the completion into the sink. When the server says the context is too long and
   * nothing was shown yet, retries once with a smaller context (or gives the UserError saying
   * the question cannot fit even so).
   */
  private async complete(
    turn: Turn,
    context: Context,
    chosen: { readonly model: string; readonly params: ModelParams },
    sink: ReplySink,
    signal: AbortSignal,
    started: number,
    log: Logger,
  ): Promise<{ result: Attempt | UserError; shown: string; promptTokens: number; omitted: number }> {
    let shown = '';
    const onText = (soFar: string): void => {
      if (shown === '' && soFar !== '') this.observer.firstText(performance.now() - started);
      shown = soFar;
      sink.progress(soFar);
    };
    const { maxTokens = this.options.maxReplyTokens, ...params } = chosen.params;
    const request: CompletionRequest = { model: chosen.model, messages: context.messages, maxTokens, params, signal };
    const first = await this.attempt(request, onText);
    if (first.ok || !isContextLength(first.error) || shown !== '' || signal.aborted) return { result: first, shown, promptTokens: context.tokens, omitted: context.omitted };
    const budget = this.smallerBudget(context, first.error, log);
    try {
      const smaller = await this.strategy.build(this.memory, { ...this.contextRequest(turn), budget });
      const result = await this.attempt({ ...request, messages: smaller.context.messages }, onText);
      return { result, shown, promptTokens: smaller.context.tokens, omitted: smaller.context.omitted };
    } catch (error) {
      if (isUserError(error)) return { result: error, shown, promptTokens: context.tokens, omitted: context.omitted };
      throw error;
    }
  }

  private async attempt(request: CompletionRequest, onText: (soFar: string) => void): Promise<Attempt> {
    try {
      return { ok: true, completion: await this.slots.use(() => this.model.complete(request, onText)) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** What the context strategy is asked for: a retry's question goes with the history before its round only. */
  private contextRequest(turn: Turn): ContextRequest {
    return {
      key: turn.question.sessionKey,
      question: turn.asked,
      images: turn.attached.images,
      fillSystemPrompt: this.placeholdersFor(turn.question),
      before: turn.replaces?.question.seq,
    };
  }

  /** Fills a system prompt's placeholders for `question`, at the time it is answered. */
  private placeholdersFor(question: Question): ((template: string) => string) | undefined {
    const place = question.place;
    if (place === undefined) return undefined;
    return (template) => fillPlaceholders(template, placeholderValues(this.now(), this.options.timeZone, place));
  }

  /** What the server says it holds, else three quarters of what was sent. */
  private smallerBudget(first: Context, error: unknown, log: Logger): number {
    const cause = error instanceof ModelError ? error.cause : error;
    const said = /maximum context length is (\d+)/.exec(cause instanceof Error ? cause.message : '')?.[1];
    const fromServer = said === undefined ? Infinity : Number(said) - this.options.maxReplyTokens;
    const budget = Math.max(1, Math.floor(Math.min(first.tokens * 0.75, fromServer)));
    log.warn(
      { promptTokens: first.tokens, retryBudget: budget, serverContext: said ?? 'unknown' },
      'the model server says the context is too long; retrying once with a smaller budget. Lower CONTEXT_TOKENS to what the server holds',
    );
    return budget;
  }

  /** The ids the answer was delivered as; undefined when the person never saw it. */
  private async deliver(sink: ReplySink, text: string, notes: readonly AnswerNote[], log: Logger): Promise<readonly string[] | undefined> {
    try {
      return await sink.finish(text, notes);
    } catch (error) {
      // The person never saw the answer, so it must not become memory they did not see.
      log.warn({ err: error }, 'answer could not be delivered; nothing was committed');
      return undefined;
    }
  }

  /**
   * Stores the complete round, pending delivery: a question's as a new round, a retry's in place of
   * the one it regenerates. The problem to tell the person when it cannot be.
   */
  private async store(turn: Turn, reply: DraftMessage, usage: readonly UsageEntry[], log: Logger): Promise<StoredRound | NotStored> {
    const key = turn.question.sessionKey;
    try {
      if (turn.replaces !== undefined) return await this.memory.replaceRound(key, turn.replaces, reply, usage);
      return await this.memory.storeAnswered(key, [turn.asked, reply], usage);
    } catch (error) {
      if (isUserError(error)) {
        log.info({ code: error.code }, 'the round being regenerated changed meanwhile; the new answer is not stored');
        return { code: 'refused', error };
      }
      if (error instanceof MemoryBusyError) {
        log.error({ err: error }, 'another process kept changing this memory; the answer is shown but was not stored');
        return { code: 'not_stored' };
      }
      const gone = error instanceof StoreUnavailableError;
      log.error({ err: error }, gone ? 'the store is unavailable; the answer is shown but was not stored' : 'the answer could not be stored; it is shown all the same');
      return { code: gone ? 'store_unavailable' : 'internal' };
    }
  }

  /** Clears the delivered answer's mark; if that fails the round is still stored, and a later pass clears it. */
  private async confirm(key: string, reply: number, log: Logger): Promise<void> {
    try {
      await this.memory.confirmDelivered(key, reply);
    } catch (error) {
      log.warn({ err: error, reply }, 'the answer is delivered and stored, but its pending mark could not be cleared; the next pass over pending answers clears it');
    }
  }

  /**
   * The person never saw the answer, so it must not become memory they did not see: a question's
   * round leaves memory; a retry's gives way to the round it replaced.
   */
  private async undo(turn: Turn, round: StoredRound, log: Logger): Promise<void> {
    const key = turn.question.sessionKey;
    try {
      if (turn.replaces === undefined) await this.memory.withdrawUndelivered(key, round);
      else await this.memory.restoreReplaced(key, round, turn.replaces);
    } catch (error) {
      // Still marked pending: a later pass shows it in full where it was asked, so it is not memory nobody saw.
      log.error({ err: error, round }, 'the undelivered answer could not be taken out of memory; it stays marked pending delivery');
    }
  }

  /**
   * Finishes showing answers stored but not confirmed delivered (a crash between the two): each
   * through `redeliver`, in its session's turn, then confirmed (and the limit applied). Marks
   * younger than `graceMs` may belong to another process delivering them now (a rolling deploy)
   * and are left for a later pass. Never throws: a failure is logged and the mark stays.
   */
  async finishPending(redeliver: Redeliver, graceMs: number): Promise<PendingReport> {
    const report = { finished: 0, gone: 0, waiting: 0, notOurs: 0, failed: 0 };
    try {
      for await (const key of this.memory.pendingSessions()) {
        if (this.stopping) break;
        await this.turns.run(key, () => this.finishPendingIn(key, redeliver, graceMs, report));
      }
    } catch (error) {
      this.logger.error({ err: error }, 'the pass over answers pending delivery stopped');
    }
    if (report.finished + report.gone + report.failed > 0) this.logger.info(report, 'answers stored before a restart were finished');
    return report;
  }

  /**
   * finishPending now, and again each `graceMs` while some marks were too young or could not be
   * finished (at most MAX_PENDING_PASSES times), until the engine stops. Resolves after the first pass.
   */
  async keepFinishingPending(redeliver: Redeliver, graceMs: number, pass = 1): Promise<PendingReport> {
    const report = await this.finishPending(redeliver, graceMs);
    if (report.waiting + report.failed > 0 && pass < MAX_PENDING_PASSES && !this.stopping) {
      this.pendingTimer = setTimeout(() => void this.keepFinishingPending(redeliver, graceMs, pass + 1), Math.max(graceMs, 1000));
      this.pendingTimer.unref();
    }
    return report;
  }

  private async finishPendingIn(key: string, redeliver: Redeliver, graceMs: number, report: { -readonly [K in keyof PendingReport]: number }): Promise<void> {
    const session = await this.memory.read(key);
    const now = this.now();
    for (const mark of session.pending ?? []) {
      if (now - mark.since < graceMs) {
        report.waiting += 1;
        continue;
      }
      const at = session.history.findIndex((m) => m.seq === mark.seq);
      const reply = session.history[at];
      if (reply === undefined) continue;
      const question = session.history.slice(0, at).findLast((m) => m.role === 'user');
      try {
        const outcome = await redeliver({ key, question, reply });
        if (outcome === 'not_ours') {
          report.notOurs += 1;
          continue;
        }
        // Gone (the channel or its messages): the round stays stored, as it may have been seen whole before the crash.
        await this.memory.confirmDelivered(key, mark.seq);
        report[outcome === 'delivered' ? 'finished' : 'gone'] += 1;
      } catch (error) {
        report.failed += 1;
        this.logger.warn({ err: error, session: key, reply: mark.seq }, 'an answer stored before a restart could not be shown in full yet; it stays pending');
      }
    }
  }
}

/** A summary completion slower than this is cut off (and tried again after the next answer). */
const SUMMARY_TIMEOUT_MS = 60_000;

/** Passes over pending answers after a start, at most (one per grace): enough for a slow rolling deploy or a Discord outage. */
const MAX_PENDING_PASSES = 20;

/** A surface's way of showing in full an answer stored before a crash cut its delivery short. */
export type Redeliver = (answer: PendingAnswer) => Promise<'delivered' | 'gone' | 'not_ours'>;

export interface PendingAnswer {
  readonly key: string;
  /** The question it answers (its discordMessageIds say where it was asked), if still in memory. */
  readonly question: HistoryMessage | undefined;
  /** The stored answer; its discordMessageIds are what it was shown in when it was stored. */
  readonly reply: HistoryMessage;
}

/** What a pass over pending answers did. */
export interface PendingReport {
  readonly finished: number;
  /** Where they were asked is gone: confirmed as stored, not shown. */
  readonly gone: number;
  /** Younger than the grace: perhaps being delivered by another process. */
  readonly waiting: number;
  /** In a session this surface does not serve (another shard, the terminal). */
  readonly notOurs: number;
  readonly failed: number;
}

type NotStored = Extract<AnswerProblem, { code: 'not_stored' | 'store_unavailable' | 'internal' | 'refused' }>;

/** One answer being produced: its question as stored with it, and, for a retry, the round it replaces. */
interface Turn {
  readonly question: Question;
  readonly asked: DraftMessage;
  readonly attached: Attached;
  readonly replaces?: RetryTarget;
}

function isProblem(stored: StoredRound | NotStored): stored is NotStored {
  return 'code' in stored;
}

/** An answer being completed: whose, in which session, since when. */
interface InFlight {
  readonly key: string;
  readonly authorName: string;
  readonly question: string;
  /** A retry's new answer: its round is in memory already, as the old answer. */
  readonly retry: boolean;
}

/** Why an answer was cut off before it was complete. */
class CutOff extends Error {
  constructor(readonly by: 'stopping' | CancelReason) {
    super(by === 'stopping' ? 'the bot is stopping' : by === 'interrupted' ? 'interrupted by its asker' : `cancelled by /${by}`);
  }
}

/** Notes under an answer for what it could not say in full: messages the budget left out, a reply cut at its limit. */
function contextNotes(omitted: number, finishReason: string | null): AnswerNote[] {
  const notes: AnswerNote[] = [];
  if (omitted > 0) notes.push({ code: 'left_out', count: omitted });
  if (finishReason === 'length') notes.push({ code: 'cut_off' });
  return notes;
}

/** A completion's tokens: what the server reported, else `counted` (the bot's own count), marked estimated. */
function usageEntry(model: string, completion: Completion, counted: { prompt: number; completion: number }, at: number): UsageEntry {
  const reported = completion.usage;
  return reported === undefined
    ? { model, promptTokens: counted.prompt, completionTokens: counted.completion, estimated: true, at }
    : { model, promptTokens: reported.promptTokens, completionTokens: reported.completionTokens, estimated: false, at };
}

function isContextLength(error: unknown): boolean {
  return error instanceof ModelError && error.kind === 'context_length';
}

function asModelError(error: unknown): ModelError {
  return error instanceof ModelError ? error : new ModelError('unavailable', {}, { cause: error });
}
