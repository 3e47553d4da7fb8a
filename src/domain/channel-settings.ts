/**
 * The per-channel settings commands: /system, /model, /listen and the /settings view. Each rule
 * changes only the session's settings (never its history), so /reset and these never meet.
 */
import { userError } from './errors.js';
import { type ModelParams, validateParams } from './model-params.js';
import type { Changed, ResolvedSettings, Session, SessionSettings } from './session.js';
import { type TokenCounter, TOKENS_PER_MESSAGE, TOKENS_REPLY_PRIMING } from './tokens.js';

export const MAX_SYSTEM_PROMPT_CHARS = 4000;

function withSettings<R>(session: Session, settings: SessionSettings, result: R): Changed<R> {
  return { session: { ...session, settings }, change: { settings }, result };
}

/** The settings without `keys`: back to the configured defaults for them. */
function without(settings: SessionSettings, keys: readonly (keyof SessionSettings)[]): SessionSettings {
  return Object.fromEntries(Object.entries(settings).filter(([key]) => !keys.includes(key as keyof SessionSettings)));
}

/** Prompt tokens a system prompt costs in every request, with no history and no question. */
export function systemPromptCost(prompt: string, tokens: TokenCounter): number {
  return prompt === '' ? 0 : tokens.count(prompt) + TOKENS_PER_MESSAGE;
}

/**
 * Sets the channel's system prompt (trimmed; blank means no system message). Refused when it is
 * over MAX_SYSTEM_PROMPT_CHARS, or when it alone, with the reply priming, does not fit the token
 * budget: then no question could ever be answered.
 */
export function setSystemPrompt(session: Session, prompt: string, resolved: ResolvedSettings, tokens: TokenCounter): Changed<{ readonly tokens: number }> {
  const text = prompt.trim();
  const length = Array.from(text).length;
  if (length > MAX_SYSTEM_PROMPT_CHARS) throw userError('system_prompt_too_long', { length, max: MAX_SYSTEM_PROMPT_CHARS });
  const cost = systemPromptCost(text, tokens);
  if (cost + TOKENS_REPLY_PRIMING > resolved.tokenBudget) {
    throw userError('system_prompt_over_budget', { tokens: cost + TOKENS_REPLY_PRIMING, budget: resolved.tokenBudget });
  }
  return withSettings(session, { ...session.settings, systemPrompt: text }, { tokens: cost });
}

/** Back to the configured system prompt. */
export function resetSystemPrompt(session: Session): Changed<{ readonly hadOwn: boolean }> {
  const hadOwn = session.settings.systemPrompt !== undefined;
  if (!hadOwn) return { session, change: {}, result: { hadOwn } };
  return withSettings(session, without(session.settings, ['systemPrompt']), { hadOwn });
}

/** What the operator lets channels choose: MODELS (empty: any name) and the reply limit's room. */
export interface ModelPolicy {
  /** MODELS: the models /model offers; when not empty, the only ones a channel may choose. */
  readonly models: readonly string[];
  /** MAX_REPLY_TOKENS: the most `maxTokens` may be. */
  readonly maxReplyTokens: number;
}

export interface ModelChoice {
  readonly name: string;
  readonly params: ModelParams;
}

/**
 * Sets the channel's model and its parameters together: the parameters given replace the ones
 * set before, so what `/model show` lists is exactly what is sent. A model outside MODELS (when
 * set), or a parameter out of range, is refused and nothing changes.
 */
export function setModel(session: Session, choice: ModelChoice, policy: ModelPolicy): Changed<ModelChoice> {
  const name = choice.name.trim();
  if (name === '') throw userError('model_not_offered', { name, models: policy.models });
  if (policy.models.length > 0 && !policy.models.includes(name)) throw userError('model_not_offered', { name, models: policy.models });
  const params = validateParams(choice.params, policy.maxReplyTokens);
  const rest = without(session.settings, ['model', 'params']);
  const settings: SessionSettings = Object.keys(params).length === 0 ? { ...rest, model: name } : { ...rest, model: name, params };
  return withSettings(session, settings, { name, params });
}

/** Back to the configured model, with no parameters of the channel's own. */
export function resetModel(session: Session): Changed<{ readonly hadOwn: boolean }> {
  const hadOwn = session.settings.model !== undefined || session.settings.params !== undefined;
  if (!hadOwn) return { session, change: {}, result: { hadOwn } };
  return withSettings(session, without(session.settings, ['model', 'params']), { hadOwn });
}

/** Turns listen mode on or off; off is the default, so off is stored as unset. */
export function setListen(session: Session, on: boolean): Changed<{ readonly was: boolean }> {
  const was = session.settings.listen === true;
  if (was === on) return { session, change: {}, result: { was } };
  const settings = on ? { ...session.settings, listen: true } : without(session.settings, ['listen']);
  return withSettings(session, settings, { was });
}

/** What /settings shows: every effective setting, and which the channel set itself. */
export interface SettingsView {
  readonly resolved: ResolvedSettings;
  readonly own: ReadonlySet<keyof SessionSettings>;
}

export function settingsView(session: Pick<Session, 'settings'>, resolved: ResolvedSettings): SettingsView {
  const own = new Set(Object.keys(session.settings) as (keyof SessionSettings)[]);
  return { resolved, own };
}

/** Discord shows at most 25 autocomplete choices. */
export const MAX_SUGGESTIONS = 25;

/**
 * The models to suggest while `typed` is being entered: those containing it (case-insensitive),
 * the ones starting with it first, each group in the operator's order.
 */
export function suggestModels(models: readonly string[], typed: string): string[] {
  const needle = typed.trim().toLowerCase();
  const matching = models.filter((m) => m.toLowerCase().includes(needle));
  const starts = matching.filter((m) => m.toLowerCase().startsWith(needle));
  const rest = matching.filter((m) => !m.toLowerCase().startsWith(needle));
  return [...starts, ...rest].slice(0, MAX_SUGGESTIONS);
}
