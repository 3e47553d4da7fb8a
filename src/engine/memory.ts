import {
  applyChange,
  buildContext,
  type Changed,
  commitRound,
  confirmDelivered,
  type Context,
  createMessage,
  type DraftMessage,
  type ExportedSession,
  exportSession,
  forge,
  type ImportedSession,
  parseImport,
  type ReplaceResult,
  replaceSession,
  isEmptyChange,
  type MemoryMode,
  type MemoryModeResult,
  type MessageRules,
  setMemoryMode,
  tokenCap,
  type NewMessage,
  pin,
  type PinResult,
  type Removed,
  rememberingCounter,
  reset,
  type ResolvedSettings,
  resolveSettings,
  rollback,
  type Session,
  type SessionSettings,
  setLimit,
  storeAnswered,
  type StoredRound,
  type TokenCounter,
  trimToLimit,
  unpin,
  withdrawUndelivered,
  replaceRound,
  restoreReplaced,
  type RetryTarget,
  MAX_REPLY_TOKENS_BOUND,
  type ModelChoice,
  type ModelPolicy,
  resetModel,
  resetSystemPrompt,
  setListen,
  setModel,
  setSystemPrompt,
  applyFold,
  type FoldPlan,
  planFold,
  summaryOf,
  type UsageEntry,
  type UsageLedger,
  mergeUsage,
  type Summary,
} from '../domain/index.js';
import { ContextcordError } from '../domain/errors.js';
import { KeyedQueue } from './keyed-queue.js';
import { type SessionStore, type Snapshot, StoreConflictError } from './session-store.js';

export type SessionDefaults = ResolvedSettings;

/** Another writer got there first twice in a row: the change was not made (said to the person). */
export class MemoryBusyError extends ContextcordError<'store_conflict', { readonly key: string }> {
  override readonly name = 'MemoryBusyError';
  constructor(key: string, options?: { cause?: unknown }) {
    super('store_conflict', { key }, options);
  }
}

/**
 * A session's memory: every read and every change of it, answers' commits and commands alike,
 * takes the one per-session lock, so within this process changes to a session happen one at a
 * time in arrival order, each on the result of the one before. A rule that throws (a UserError)
 * changes nothing. Another process sharing the store is caught by the store's version check: the
 * change is then worked out again on the newer session, once.
 */
export class Memory {
  private readonly lock = new KeyedQueue();
  /** System prompts are counted on every turn; there are few of them (one per persona at most). */
  private readonly promptTokens: TokenCounter;
  private conflicts = 0;
  /**
   * The session as storing an answer left it, until the answer is confirmed or withdrawn. While
   * it is delivered (a second, under Discord's rate limit) a busy bot's cache may let a long
   * session go; confirming then starts from this copy, which the store's version still names,
   * instead of reading the whole session again.
   */
  private readonly delivering = new Map<string, Snapshot>();

  constructor(
    private readonly store: SessionStore,
    private readonly defaults: SessionDefaults,
    private readonly rules: MessageRules,
    /** What /model may choose: MODELS and the room for the reply. */
    readonly policy: ModelPolicy = { models: [], maxReplyTokens: MAX_REPLY_TOKENS_BOUND },
  ) {
    this.promptTokens = rememberingCounter(rules.tokens, 64);
  }

  /** Commits that met another writer's newer version and were worked out again. */
  get conflictRetries(): number {
    return this.conflicts;
  }

  settings(session: Pick<Session, 'settings'>): ResolvedSettings {
    return resolveSettings(session, this.defaults);
  }

  /** The model a session uses when it has chosen none. */
  get defaultModel(): string {
    return this.defaults.model;
  }

  get tokens(): TokenCounter {
    return this.rules.tokens;
  }

  message(input: NewMessage): DraftMessage {
    return createMessage(input, this.rules);
  }

  /** The session as stored, after the changes already queued for it. */
  read(key: string): Promise<Session> {
    return this.lock.run(key, async () => (await this.store.load(key)).session);
  }

  /**
   * The context for answering `question`. `budget` overrides the session's token budget (for a
   * server smaller than configured); `images` go with the question only; `fillSystemPrompt`
   * fills the system prompt's placeholders before it is counted; `before` (a seq) leaves out that
   * message and every later one, as a retry sends its round's question again with only the history
   * before it. A session not in memory is read only as far back as this context can reach.
   */
  async context(
    key: string,
    question: DraftMessage,
    options: {
      budget?: number | undefined;
      images?: readonly string[] | undefined;
      fillSystemPrompt?: ((template: string) => string) | undefined;
      before?: number | undefined;
    } = {},
  ): Promise<{ context: Context; settings: ResolvedSettings }> {
    const budgetFor = (stored: SessionSettings): number => options.budget ?? stored.tokenBudget ?? this.defaults.tokenBudget;
    const { session: loaded, skipped } = await this.lock.run(key, () => this.store.loadForContext(key, budgetFor));
    const before = options.before;
    const session = before === undefined ? loaded : { ...loaded, history: loaded.history.filter((m) => m.seq < before) };
    const settings = this.settings(session);
    const context = buildContext({
      session,
      systemPrompt: options.fillSystemPrompt?.(settings.systemPrompt) ?? settings.systemPrompt,
      question,
      questionImages: options.images,
      budget: budgetFor(session.settings),
      tokens: this.promptTokens,
    });
    return { context: { ...context, omitted: context.omitted + skipped }, settings };
  }

  /**
   * Runs `rule` on the session under its lock and commits the change it names. When another
   * process committed first, the rule runs again on the newer session (once); it throws
   * MemoryBusyError if that is beaten too.
   */
  change<R>(key: string, rule: (session: Session, settings: ResolvedSettings) => Changed<R>): Promise<R> {
    return this.changeFrom(key, rule).then(({ result }) => result);
  }

  /**
   * `change`, starting from `from` when the store still states its version (one cheap read), else
   * from a load. Returns what the commit made, for a later change to start from.
   */
  private changeFrom<R>(
    key: string,
    rule: (session: Session, settings: ResolvedSettings) => Changed<R>,
    from?: Snapshot,
  ): Promise<{ result: R; snapshot: Snapshot | undefined }> {
    return this.lock.run(key, async () => {
      let basis = from !== undefined && (await this.store.version(key)) === from.version ? from : await this.store.load(key);
      for (let attempt = 0; ; attempt += 1) {
        const { change, result } = rule(basis.session, this.settings(basis.session));
        if (isEmptyChange(change)) return { result, snapshot: undefined };
        try {
          return { result, snapshot: await this.store.commit(basis, change) };
        } catch (error) {
          if (!(error instanceof StoreConflictError)) throw error;
          if (attempt >= 1) throw new MemoryBusyError(key, { cause: error });
          this.conflicts += 1;
          // The store's version check is past any cache, so this load is the newer session.
          basis = await this.store.load(key);
        }
      }
    });
  }

  /** Commits a finished exchange (the domain's commitRound, trimmed to the session's limit). */
  commitRound(key: string, round: readonly DraftMessage[]): Promise<Removed> {
    return this.change(key, (session, settings) => commitRound(session, round, settings.limit, tokenCap(settings)));
  }

  /**
   * Stores a complete answer before it is shown, marked pending delivery and not yet trimmed
   * (the domain's storeAnswered): "acknowledged means stored".
   */
  async storeAnswered(key: string, round: readonly DraftMessage[], usage: readonly UsageEntry[] = []): Promise<StoredRound> {
    const since = this.rules.now();
    const { result, snapshot } = await this.changeFrom(key, (session) => counting(storeAnswered(session, round, since), usage));
    if (snapshot !== undefined) this.delivering.set(key, snapshot);
    return result;
  }

  /** The answer was shown in full: its mark goes and the limit applies (confirmDelivered). */
  async confirmDelivered(key: string, reply: number): Promise<Removed> {
    const from = this.delivering.get(key);
    this.delivering.delete(key);
    return (await this.changeFrom(key, (session, settings) => confirmDelivered(session, reply, settings.limit, tokenCap(settings)), from)).result;
  }

  /** The answer could not be shown: its round leaves memory (withdrawUndelivered). */
  async withdrawUndelivered(key: string, round: StoredRound): Promise<void> {
    const from = this.delivering.get(key);
    this.delivering.delete(key);
    await this.changeFrom(key, (session) => withdrawUndelivered(session, round), from);
  }

  /**
   * Stores a retry's new answer in place of the round it regenerates, pending delivery (the
   * domain's replaceRound): memory holds one of the two rounds at every moment.
   */
  replaceRound(key: string, target: RetryTarget, answer: DraftMessage, usage: readonly UsageEntry[] = []): Promise<StoredRound> {
    const since = this.rules.now();
    return this.change(key, (session) => counting(replaceRound(session, target, answer, since), usage));
  }

  /** Counts completions whose tokens no other change carries (a summary that was not kept). */
  async recordUsage(key: string, usage: readonly UsageEntry[]): Promise<void> {
    if (usage.length > 0) await this.change(key, (session) => counting({ session, change: {}, result: undefined }, usage));
  }

  /** The session's token usage, as stored (/usage). */
  async usage(key: string): Promise<UsageLedger | undefined> {
    return (await this.lock.run(key, () => this.store.loadForContext(key, () => 1))).session.usage;
  }

  /**
   * Every stored session's usage as one (/usage for the whole bot). Each is read as a context of
   * one token is (its head and newest part), so the pass costs heads, not whole histories; no
   * process keeps a shared total, which every answer would have to write.
   */
  async botUsage(): Promise<UsageLedger> {
    const ledgers: UsageLedger[] = [];
    for await (const key of this.store.sessionKeys()) {
      const usage = await this.usage(key);
      if (usage !== undefined) ledgers.push(usage);
    }
    return mergeUsage(ledgers);
  }

  /** A retry's new answer could not be shown: the round it replaced comes back (restoreReplaced). */
  restoreReplaced(key: string, stored: StoredRound, target: RetryTarget): Promise<void> {
    return this.change(key, (session) => restoreReplaced(session, stored, target.round));
  }

  /** Sessions holding an answer still marked pending delivery (after a crash, or being delivered now). */
  pendingSessions(): AsyncIterable<string> {
    return this.store.pendingSessions();
  }

  /** Every stored session's key, in key order (`--list`). */
  sessionKeys(): AsyncIterable<string> {
    return this.store.sessionKeys();
  }

  rollback(key: string, count: number): Promise<Removed> {
    return this.change(key, (session) => rollback(session, count));
  }

  pin(key: string, indices: readonly number[]): Promise<PinResult> {
    return this.change(key, (session) => pin(session, indices));
  }

  unpin(key: string, indices: readonly number[]): Promise<PinResult> {
    return this.change(key, (session) => unpin(session, indices));
  }

  setLimit(key: string, limit: number): Promise<Removed> {
    return this.change(key, (session) => setLimit(session, limit));
  }

  reset(key: string): Promise<Removed> {
    return this.change(key, reset);
  }

  forge(key: string, messages: readonly NewMessage[]): Promise<Removed> {
    return this.change(key, (session, settings) =>
      forge(
        session,
        messages.map((m) => this.message({ ...m, forged: true })),
        settings.limit,
        tokenCap(settings),
      ),
    );
  }

  /** Sets the memory mode (and tokens mode's cap), trimming at once to what it keeps. */
  setMemoryMode(key: string, mode: MemoryMode, tokens: number | undefined): Promise<MemoryModeResult> {
    return this.change(key, (session, settings) => setMemoryMode(session, mode, tokens, settings.limit));
  }

  /** The session as a file's contents (/export), after the changes already queued for it. */
  async export(key: string): Promise<ExportedSession> {
    return exportSession(await this.read(key), this.rules.now());
  }

  /** Reads a file's text as a session to import, or refuses it (bad_import); changes nothing. */
  parseImport(text: string, size?: number): ImportedSession {
    return parseImport(text, this.rules.now(), size);
  }

  /**
   * What replacing the session with `imported` would do, without doing it: refuses what
   * replace() would refuse, so a confirmation is asked only for an import that can be made.
   */
  async previewImport(key: string, imported: ImportedSession): Promise<ReplaceResult> {
    const session = await this.read(key);
    return replaceSession(session, imported, this.rules.tokens, this.defaults.limit).result;
  }

  /** Replaces the session's history, pins and settings with an import's (/import). */
  replace(key: string, imported: ImportedSession): Promise<ReplaceResult> {
    return this.change(key, (session) => replaceSession(session, imported, this.rules.tokens, this.defaults.limit));
  }

  /** Re-applies the limit, e.g. after the configured default was lowered. */
  trim(key: string): Promise<Removed> {
    return this.change(key, (session, settings) => trimToLimit(session, settings.limit, tokenCap(settings)));
  }

  /** Gives the session its own system prompt; returns what it costs in every request. */
  setSystemPrompt(key: string, prompt: string): Promise<{ readonly tokens: number }> {
    return this.change(key, (session, settings) => setSystemPrompt(session, prompt, settings, this.rules.tokens));
  }

  resetSystemPrompt(key: string): Promise<{ readonly hadOwn: boolean }> {
    return this.change(key, resetSystemPrompt);
  }

  /** Gives the session its own model and parameters (within `policy`). */
  setModel(key: string, choice: ModelChoice): Promise<ModelChoice> {
    return this.change(key, (session) => setModel(session, choice, this.policy));
  }

  resetModel(key: string): Promise<{ readonly hadOwn: boolean }> {
    return this.change(key, resetModel);
  }

  setListen(key: string, on: boolean): Promise<{ readonly was: boolean }> {
    return this.change(key, (session) => setListen(session, on));
  }

  /**
   * The fold a summary-mode session needs now (planFold), if any: what is about to leave its
   * recent buffer, with the summary so far, and the session's model to make it. Nothing for a
   * session in another mode.
   */
  async foldPlan(key: string): Promise<{ readonly plan: FoldPlan; readonly model: string } | undefined> {
    const session = await this.read(key);
    const settings = this.settings(session);
    if (settings.memoryMode !== 'summary') return undefined;
    const systemPromptTokens = settings.systemPrompt === '' ? 0 : this.promptTokens.count(settings.systemPrompt);
    const plan = planFold(session, { limit: settings.limit, budget: settings.tokenBudget, systemPromptTokens, memoryTokens: settings.memoryTokens }, this.rules.tokens);
    return plan === undefined ? undefined : { plan, model: settings.model };
  }

  /** Counts a summary completion's text as the session would keep it. */
  summaryOf(text: string): Summary {
    return summaryOf(text, this.rules.tokens);
  }

  /** Commits a fold's summary, its messages leaving (applyFold); how many left (0: the session moved on, nothing changed). */
  async applyFold(key: string, plan: FoldPlan, summary: Summary, usage: readonly UsageEntry[] = []): Promise<number> {
    return (await this.change(key, (session) => counting(applyFold(session, plan, summary), usage))).folded;
  }

  /** Resolves when every read and change queued so far is done. */
  drain(): Promise<void> {
    return this.lock.drain();
  }

}

/** A rule's change with completions' usage counted in it: one commit for the round and its cost. */
function counting<R>(changed: Changed<R>, usage: readonly UsageEntry[]): Changed<R> {
  if (usage.length === 0) return changed;
  const change = { ...changed.change, usage: [...(changed.change.usage ?? []), ...usage] };
  return { session: applyChange(changed.session, { usage }), change, result: changed.result };
}
