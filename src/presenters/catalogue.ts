/**
 * The shape of a message catalogue: every word contextcord says, for every surface, as plain text
 * with `code` spans. One implementation per language (en.ts, zh-CN.ts); the compiler holds each to
 * this shape, so a key added here must be worded in every language before anything builds.
 *
 * Catalogue functions take numbers and codes and return whole phrases; where a surface decorates
 * part of a phrase (Discord's backticks around indices, bold names), it passes that part in
 * already decorated. The surfaces' presenters add markup only: emoji, `**`, `-#`, newlines.
 */
import type { UserErrorCode, UserErrorDetails } from '../domain/errors.js';
import type { AttachmentNote, AttachmentNoteCode } from '../engine/attachment-notes.js';
import type { ModelErrorDetails, ModelErrorKind } from '../engine/chat-model.js';
import type { AnswerProblem } from '../engine/problems.js';
import type { ReasoningEffort } from '../domain/model-params.js';
import type { MemoryMode } from '../domain/session.js';
import type { UsageCounts } from '../domain/usage.js';

/** Where a phrase is shown: some say "this channel" on Discord and "this session" in a terminal. */
export type Surface = 'discord' | 'terminal';

/** The slash commands, each with its options; the keys are the commands' and options' default names. */
export interface CommandOptions {
  readonly history: 'page';
  readonly rollback: 'count';
  readonly pin: 'indices';
  readonly unpin: 'indices';
  readonly limit: 'messages';
  readonly reset: never;
  readonly export: never;
  readonly import: 'file';
  readonly forge: 'role' | 'content';
  readonly memory: 'mode' | 'tokens';
  readonly settings: never;
  readonly system: 'show' | 'set' | 'reset' | 'prompt';
  readonly model: ModelCommandOption;
  readonly listen: 'on' | 'off';
  readonly retry: never;
  readonly usage: 'scope';
}

/** /model's subcommands and the options of `/model set`, by their default (English) names. */
export type ModelCommandOption =
  | 'show'
  | 'set'
  | 'reset'
  | 'name'
  | 'temperature'
  | 'top_p'
  | 'max_tokens'
  | 'frequency_penalty'
  | 'presence_penalty'
  | 'seed'
  | 'reasoning_effort';

/** The settings /settings lists, in its order. */
export const SETTING_NAMES = ['systemPrompt', 'model', 'params', 'listen', 'limit', 'memoryMode', 'tokenBudget'] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

export type CommandKey = keyof CommandOptions;

export interface NameAndDescription {
  /** Discord's rules: 1-32 characters, lower case where the script has case, no spaces. */
  readonly name: string;
  /** At most 100 characters. */
  readonly description: string;
}

export type CommandWords = {
  readonly [K in CommandKey]: NameAndDescription & { readonly options: { readonly [O in CommandOptions[K]]: NameAndDescription } };
};

/** Answer problems that are worded on their own; `refused` and `model_failed` are composed from other keys. */
export type OwnProblemCode = Exclude<AnswerProblem['code'], 'refused' | 'model_failed'>;

export interface Catalogue {
  // ---- joining pieces -------------------------------------------------------------------------
  /** Whole sentences in a row: English puts a space between them, Chinese none. */
  sentences(parts: readonly string[]): string;
  /** Clauses of one sentence: "a, b" / "a，b". */
  clauses(parts: readonly string[]): string;
  /** Items the surface has already formatted (`0`, `2`): "`0`, `2`" / "`0`、`2`". */
  list(items: readonly string[]): string;
  /** A label and what follows it: "label: text" / "label：text". */
  labelled(label: string, text: string): string;

  // ---- refusals, failures, problems -----------------------------------------------------------
  readonly userError: { readonly [C in UserErrorCode]: (details: UserErrorDetails[C]) => string };
  /** On Discord a question is a mention: an empty one says how to ask. */
  readonly emptyMention: string;
  readonly modelFailure: { readonly [K in ModelErrorKind]: (details: ModelErrorDetails) => string };
  /** The retries' outcome, after a model failure. */
  gaveUp(attempts: number): string;
  /** The server asked to wait longer than the bot will. */
  askedToWait(waitMs: number): string;
  /** Said after every answer problem. */
  readonly notAdded: string;
  readonly answerProblem: { readonly [C in OwnProblemCode]: (problem: Extract<AnswerProblem, { code: C }>) => string };
  readonly notEnabled: string;
  readonly commandFailed: string;
  readonly memoryBusy: string;
  /** The store's database is gone or replaced: nothing can be changed until an operator acts. */
  readonly storeUnavailable: string;
  /** Said with a /reset or /rollback result when it cut off the answer being written. */
  answerCancelled(by: 'reset' | 'rollback'): string;
  /** Said in /history while an answer is being written (`name` already formatted). */
  answering(name: string): string;
  readonly attachmentNote: { readonly [C in AttachmentNoteCode]: (note: Extract<AttachmentNote, { code: C }>) => string };
  /** Under an answer: the token budget left out `count` stored messages. */
  leftOut(count: number): string;
  /** Under an answer that stopped at its token limit. */
  readonly cutOff: string;
  /** Marks a streamed reply that was cut off. */
  readonly interrupted: string;
  /** Marks a reply a restart cut short, shown in full from memory after it. */
  readonly finishedAfterRestart: string;

  // ---- memory and command results ---------------------------------------------------------------
  readonly speaker: { readonly assistant: string; readonly user: string };
  /** Marks a message that was written into memory by a command, not said. */
  readonly forged: string;
  /** Marks a pinned message where no emoji can. */
  readonly pinnedTag: string;
  tokenCount(tokens: number): string;
  /** "… and 3 more messages", under a shortened list. */
  moreMessages(count: number): string;
  /** What memory is called: "Memory of this channel" / "Memory". */
  memoryOf(surface: Surface): string;
  historyCounts(messages: number, pinned: number, limit: number): string;
  historyTokens(tokens: number, budget: number, systemTokens: number): string;
  historyEmpty(surface: Surface): string;
  /** Heads the running summary, at the top of /history. */
  historySummary(tokens: number): string;
  historyPage(page: number, pages: number, surface: Surface): string;
  /** How to read the indices a history page shows. */
  readonly historyIndices: string;
  /** `list` is what changed, already formatted and joined. */
  pinChanged(verb: 'pinned' | 'unpinned', list: string): string;
  pinAlready(verb: 'pinned' | 'unpinned', list: string, count: number): string;
  rolledBack(rounds: number, messages: number): string;
  limitShown(surface: Surface, limit: number, messages: number, pinned: number): string;
  limitSet(surface: Surface, limit: number, removed: number): string;
  resetDone(surface: Surface, removed: number): string;
  /** The memory modes' names, as /memory's choices show them. */
  readonly memoryModes: { readonly window: string; readonly tokens: string; readonly summary: string };
  /** The memory mode was set (`tokens` in tokens mode); `removed` messages were trimmed at once. */
  memoryModeSet(surface: Surface, mode: MemoryMode, tokens: number | undefined, removed: number): string;
  /** A forged message was added at the end of memory; `removed` older ones were trimmed by the limit. */
  forgeDone(surface: Surface, role: 'user' | 'assistant', removed: number): string;
  /** Said with an exported file: what it holds. */
  exported(surface: Surface, messages: number, pinned: number): string;
  /** An import replaced memory; `kind` 'messages' is a plain array (unpinned, settings kept). */
  imported(surface: Surface, kind: 'export' | 'messages', messages: number, pinned: number, forgotten: number): string;
  /** Asked before an import replaces a memory that is not empty. */
  importConfirm(surface: Surface, held: number, heldPinned: number, incoming: number, incomingPinned: number): string;
  readonly importButtons: { readonly replace: string; readonly cancel: string };
  readonly importCancelled: string;
  /** A confirmation clicked after it stopped waiting (used, timed out, the bot restarted). */
  readonly importExpired: string;
  /** Someone other than who ran /import clicked its button. */
  readonly importNotYours: string;

  // ---- per-channel control ----------------------------------------------------------------------
  /** The heading of /settings. */
  settingsOf(surface: Surface): string;
  readonly settingLabels: { readonly [S in SettingName]: string };
  /** After a setting's value: the channel set it, or it is the configured default. */
  settingSource(own: boolean, surface: Surface): string;
  /** The system prompt is empty: no system message is sent. */
  readonly noSystemPrompt: string;
  /** No parameters set: none are sent, so the server's defaults apply. */
  readonly noParams: string;
  listenState(on: boolean): string;

  // ---- /usage ----
  /** Heads the usage of this channel (session) or of the whole bot. */
  usageOf(surface: Surface, scope: 'channel' | 'bot'): string;
  /** Nothing counted yet. */
  usageNone(surface: Surface, scope: 'channel' | 'bot'): string;
  readonly usageSoFar: string;
  usageRecent(days: number): string;
  usageCounts(counts: UsageCounts): string;
  /** An estimated cost in US dollars. */
  usageCost(dollars: number): string;
  usageUnpriced(models: string): string;
  readonly usageNote: string;
  readonly usageScopes: { readonly channel: string; readonly bot: string };
  /** The choices of `/model set reasoning_effort:`, as Discord shows them. */
  readonly reasoningEfforts: { readonly [E in ReasoningEffort]: string };
  /** /system show's heading; the prompt follows it. */
  systemShown(surface: Surface, own: boolean, tokens: number): string;
  systemSet(surface: Surface, tokens: number): string;
  systemReset(surface: Surface, hadOwn: boolean): string;
  /** The placeholders a system prompt may use (`list` already formatted). */
  placeholders(list: string): string;
  /** /model show: the model, whose choice it is, and the parameters (`params` already formatted, or noParams). */
  modelShown(surface: Surface, model: string, own: boolean, params: string): string;
  modelSet(surface: Surface, model: string, params: string): string;
  modelReset(surface: Surface, hadOwn: boolean, model: string): string;
  /** The models /model offers (`list` already formatted). */
  modelsOffered(list: string): string;
  listenSet(surface: Surface, on: boolean, was: boolean): string;
  /** /retry replaced the last round with a new answer to `author`'s question (empty: a question with no speaker). */
  retried(surface: Surface, author: string): string;
  /** Opens what a failed /retry says; the reason follows, then retryKept. */
  readonly retryFailed: string;
  /** Why a /retry failed, for the problems worded on their own (without "not added to memory": nothing new was). */
  readonly retryProblem: { readonly [C in OwnProblemCode]: (problem: Extract<AnswerProblem, { code: C }>) => string };
  /** Closes what a failed /retry says. */
  readonly retryKept: string;

  // ---- surfaces -------------------------------------------------------------------------------
  /** The terminal chat's /help, one line each. */
  readonly terminalHelp: readonly string[];
  /** Ctrl-C on an empty line in the terminal: how to leave. */
  readonly interruptHint: string;
  /** `--list` over a store with no sessions. */
  readonly noSessions: string;
  /** A stored session's size in `--list`: its messages, pins and prompt tokens. */
  sessionSize(messages: number, pinned: number, tokens: number): string;
  /** When a session's newest message was said (`when` already formatted). */
  lastActivity(when: string): string;
  /** Names and descriptions of the slash commands and their options, as Discord shows them. */
  readonly commands: CommandWords;
}
