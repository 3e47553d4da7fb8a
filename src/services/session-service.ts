import {
  buildContext,
  checkRound,
  type Context,
  commitRound,
  createMessage,
  forge,
  type HistoryMessage,
  type MessageRules,
  type NewMessage,
  type PinChange,
  pin,
  type ResolvedSettings,
  rememberingCounter,
  resolveSettings,
  reset,
  rollback,
  type Session,
  type SessionSettings,
  setLimit,
  type TokenCounter,
  trimToLimit,
  type Trimmed,
  unpin,
} from '../domain/index.js';
import { KeyedQueue } from './keyed-queue.js';
import type { SessionStore } from './session-store.js';

export type SessionDefaults = ResolvedSettings;

/**
 * Load → domain rule → save, one update at a time per session. A rule that throws (a UserError)
 * leaves the stored session untouched, because nothing is saved unless the rule returned.
 */
export class SessionService {
  private readonly queue = new KeyedQueue();
  /** System prompts are counted on every turn; there are few of them (one per persona at most). */
  private readonly promptTokens: TokenCounter;

  constructor(
    private readonly store: SessionStore,
    private readonly defaults: SessionDefaults,
    private readonly rules: MessageRules,
  ) {
    this.promptTokens = rememberingCounter(rules.tokens, 64);
  }

  /** Runs `change` on the session under its lock; saves the session it returns. */
  update<T>(key: string, change: (session: Session) => { session: Session; result: T }): Promise<T> {
    return this.queue.run(key, async () => {
      const before = await this.store.load(key);
      const { session, result } = change(before);
      if (session !== before) await this.store.save(key, session, before);
      return result;
    });
  }

  /** Reads the session, waiting for updates already queued for it. */
  read(key: string): Promise<Session> {
    return this.queue.run(key, () => this.store.load(key));
  }

  settings(session: Session): ResolvedSettings {
    return resolveSettings(session, this.defaults);
  }

  get tokens(): MessageRules['tokens'] {
    return this.rules.tokens;
  }

  message(input: NewMessage): HistoryMessage {
    return createMessage(input, this.rules);
  }

  /**
   * The context for answering `question`. `budget` overrides the session's token budget (for a
   * server smaller than configured); `images` go with the question only.
   */
  async context(
    key: string,
    question: HistoryMessage,
    options: { budget?: number; images?: readonly string[] } = {},
  ): Promise<{ context: Context; settings: ResolvedSettings }> {
    const budgetFor = (stored: SessionSettings): number => options.budget ?? stored.tokenBudget ?? this.defaults.tokenBudget;
    // A session not in memory is read only as far back as this context can reach.
    const { session, skipped } = await this.queue.run(key, () =>
      this.store.loadRecent === undefined ? this.store.load(key).then((whole) => ({ session: whole, skipped: 0 })) : this.store.loadRecent(key, budgetFor),
    );
    const settings = this.settings(session);
    const context = buildContext({
      session,
      systemPrompt: settings.systemPrompt,
      question,
      questionImages: options.images,
      budget: budgetFor(session.settings),
      tokens: this.promptTokens,
    });
    return { context: { ...context, omitted: context.omitted + skipped }, settings };
  }

  /**
   * Commits a finished exchange (the domain's commitRound). A store that can append without
   * reading the whole session does (a session read cold for its answer stays cheap to commit);
   * otherwise it is load, rule, save.
   */
  commitRound(key: string, round: readonly HistoryMessage[]): Promise<void> {
    return this.queue.run(key, async () => {
      checkRound(round);
      const limitFor = (settings: SessionSettings): number => this.settings({ history: [], settings }).limit;
      if (await this.store.appendRound?.(key, round, limitFor)) return;
      const before = await this.store.load(key);
      await this.store.save(key, commitRound(before, round, this.settings(before).limit).session, before);
    });
  }

  rollback(key: string, count: number): Promise<readonly HistoryMessage[]> {
    return this.removing(key, (session) => rollback(session, count));
  }

  pin(key: string, indices: readonly number[]): Promise<PinChange> {
    return this.update(key, (session) => {
      const change = pin(session, indices);
      return { session: change.session, result: change };
    });
  }

  unpin(key: string, indices: readonly number[]): Promise<PinChange> {
    return this.update(key, (session) => {
      const change = unpin(session, indices);
      return { session: change.session, result: change };
    });
  }

  setLimit(key: string, limit: number): Promise<readonly HistoryMessage[]> {
    return this.removing(key, (session) => setLimit(session, limit));
  }

  reset(key: string): Promise<readonly HistoryMessage[]> {
    return this.removing(key, reset);
  }

  forge(key: string, messages: readonly NewMessage[]): Promise<readonly HistoryMessage[]> {
    return this.removing(key, (session) => {
      const made = messages.map((m) => this.message({ ...m, forged: true }));
      return forge(session, made, this.settings(session).limit);
    });
  }

  /** Re-applies the limit, e.g. after the configured default was lowered. */
  trim(key: string): Promise<readonly HistoryMessage[]> {
    return this.removing(key, (session) => trimToLimit(session, this.settings(session).limit));
  }

  /** Applies a rule that may remove messages; resolves with what it removed. */
  private removing(key: string, rule: (session: Session) => Trimmed): Promise<readonly HistoryMessage[]> {
    return this.update(key, (session) => {
      const { session: next, removed } = rule(session);
      return { session: next, result: removed };
    });
  }

  drain(): Promise<void> {
    return this.queue.drain();
  }
}
