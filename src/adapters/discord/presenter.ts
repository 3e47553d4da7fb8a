/**
 * Everything the Discord surface says, in Discord's markup: results of commands, refusals and
 * failures, from the engine's codes and the words of the catalogue for `locale` (the
 * interaction's locale for commands, the guild's preferred locale for mentions; see
 * src/presenters/index.ts). Only markup is added here: emoji, `**`, `-#`, backticks, newlines.
 */
import { ButtonStyle, ComponentType, escapeMarkdown } from 'discord.js';
import { isUserError, isUserErrorOf, type UserError } from '../../domain/errors.js';
import type { HistoryMessage } from '../../domain/message.js';
import type { MemoryModeResult } from '../../domain/memory-mode.js';
import type { ExportedSession, ReplaceResult } from '../../domain/portable.js';
import type { PinResult, Removed } from '../../domain/session.js';
import { type AnswerNote, type AttachmentNote, isContextNote } from '../../engine/attachment-notes.js';
import type { HistoryView } from '../../engine/history-view.js';
import type { CostedCounts, UsageView } from '../../engine/usage-view.js';
import type { AnswerProblem } from '../../engine/problems.js';
import type { Catalogue } from '../../presenters/catalogue.js';
import { catalogueFor } from '../../presenters/index.js';
import type { ModelChoice, SettingsView } from '../../domain/channel-settings.js';
import { SETTING_NAMES } from '../../presenters/catalogue.js';
import {
  answerNoteText,
  answerProblemText,
  attachmentNoteText,
  commandFailureText,
  oneLine,
  paramsText,
  placeholderList,
  retryProblemText,
  settingValue,
  userErrorText,
} from '../../presenters/render.js';
import type { CommandReply } from './command-responder.js';
import { importButtonId } from './import-buttons.js';
import { DISCORD_MESSAGE_LIMIT } from './split-message.js';

/** A Discord locale code (`zh-CN`, `en-US`, …), or undefined where there is none (a DM's mention). */
export type DiscordLocale = string | undefined;

/** One line of a message, safe to show: whitespace folded, markdown escaped, shortened. */
export function preview(content: string, max = 80): string {
  return escapeMarkdown(oneLine(content, max));
}

function speaker(t: Catalogue, message: HistoryMessage): string {
  if (message.role === 'assistant') return t.speaker.assistant;
  return message.authorName === undefined || message.authorName === '' ? t.speaker.user : escapeMarkdown(message.authorName);
}

/** A short list of messages for a reply, at most `max` lines. */
function listMessages(t: Catalogue, messages: readonly HistoryMessage[], max = 10): string {
  const lines = messages.slice(0, max).map((m) => `• ${t.labelled(`**${speaker(t, m)}**`, preview(m.content, 60))}`);
  if (messages.length > max) lines.push(`• ${t.moreMessages(messages.length - max)}`);
  return lines.join('\n');
}

const code = (n: number): string => `\`${String(n)}\``;

/** A refusal, as Discord shows it. */
export function userErrorReply(error: UserError, locale: DiscordLocale): string {
  const t = catalogueFor(locale);
  // In Discord a question is a mention, so an empty one says how to ask.
  if (isUserErrorOf(error, 'empty_message')) return t.emptyMention;
  return userErrorText(t, error);
}

export function notEnabledReply(locale: DiscordLocale): string {
  return catalogueFor(locale).notEnabled;
}

export function commandFailedReply(locale: DiscordLocale): string {
  return catalogueFor(locale).commandFailed;
}

/** Why a command failed, as Discord shows it; undefined for a bug (then commandFailedReply). */
export function commandFailureReply(error: unknown, locale: DiscordLocale): string | undefined {
  return isUserError(error) ? userErrorReply(error, locale) : commandFailureText(catalogueFor(locale), error);
}

/** Notes under a reply (an attachment that was not read), in Discord's small print. */
export function noteLines(notes: readonly AnswerNote[], locale: DiscordLocale): string[] {
  const t = catalogueFor(locale);
  return notes.map((n) => (isContextNote(n) ? `-# ${answerNoteText(t, n)}` : `-# 📎 ${attachmentNoteText(t, n)}`));
}

/** Why an answer failed, with the attachment notes under it. */
export function answerProblemReply(problem: AnswerProblem, notes: readonly AttachmentNote[], locale: DiscordLocale): string {
  const text = problem.code === 'refused' ? userErrorReply(problem.error, locale) : answerProblemText(catalogueFor(locale), problem);
  return [`⚠️ ${text}`, ...noteLines(notes, locale)].join('\n');
}

/** Added to the last message of a streamed reply that was cut off. */
export function interruptedMark(locale: DiscordLocale): string {
  return `\n-# ⚠️ ${catalogueFor(locale).interrupted}`;
}

/** Under a reply a restart cut short, once it is shown in full from memory. */
export function finishedAfterRestartLine(locale: DiscordLocale): string {
  return `-# ↻ ${catalogueFor(locale).finishedAfterRestart}`;
}

/**
 * One page of /history: a header with the totals, the page's messages oldest first with the
 * indices /pin and /unpin take, and which page this is.
 */
export function historyReply(view: HistoryView, locale: DiscordLocale): string {
  const t = catalogueFor(locale);
  const totals = `${t.historyCounts(view.messages, view.pinned, view.limit)} · ${t.historyTokens(view.tokens, view.tokenBudget, view.systemTokens)}`;
  const header = t.labelled(`**${t.memoryOf('discord')}**`, totals);
  const answering =
    view.answering === undefined ? [] : [`⏳ ${t.answering(`**${escapeMarkdown(view.answering.authorName)}**`)} (${preview(view.answering.question, 60)})`];
  const summary = (width: number): string[] =>
    view.summary === undefined ? [] : [`📝 ${t.labelled(`*${t.historySummary(view.summary.tokens)}*`, preview(view.summary.text, width * 6))}`];
  if (view.messages === 0) return [header, ...summary(70), ...answering, t.historyEmpty('discord')].join('\n');
  const footer = view.pages > 1 ? t.sentences([t.historyPage(view.page, view.pages, 'discord'), t.historyIndices]) : t.historyIndices;
  const render = (width: number): string => {
    const lines = view.entries.map(({ index, message: m }) => {
      const mark = m.pinned ? '📌 ' : '';
      const forged = m.forged === true ? ` ${t.forged}` : '';
      return `${code(index)} ${mark}**${speaker(t, m)}**${forged} · ${t.tokenCount(m.tokens)} · ${preview(m.content, width)}`;
    });
    return [header, ...summary(width), ...lines, ...answering, footer].join('\n');
  };
  // Escaped markdown and long names can push a page past one message: shorten previews until it fits.
  return [70, 40, 20, 8].map(render).find((c) => c.length <= DISCORD_MESSAGE_LIMIT) ?? render(0).slice(0, DISCORD_MESSAGE_LIMIT);
}

export function pinReply(change: PinResult, verb: 'pinned' | 'unpinned', locale: DiscordLocale): string {
  const t = catalogueFor(locale);
  const icon = verb === 'pinned' ? '📌' : '📍';
  const same = change.positions.filter((p) => !change.changed.includes(p));
  const parts: string[] = [];
  if (change.changed.length > 0) parts.push(`${icon} ${t.pinChanged(verb, t.list(change.changed.map(code)))}`);
  if (same.length > 0) parts.push(t.pinAlready(verb, t.list(same.map(code)), same.length));
  return t.sentences(parts);
}

export function rollbackReply(removed: Removed, rounds: number, locale: DiscordLocale): string {
  const t = catalogueFor(locale);
  return `↩️ ${t.rolledBack(rounds, removed.length)}\n${listMessages(t, removed)}`;
}

export function limitShownReply(limit: number, messages: number, pinned: number, locale: DiscordLocale): string {
  return catalogueFor(locale).limitShown('discord', limit, messages, pinned);
}

export function limitSetReply(limit: number, removed: Removed, locale: DiscordLocale): string {
  return `📏 ${catalogueFor(locale).limitSet('discord', limit, removed.length)}`;
}

export function resetReply(removed: Removed, locale: DiscordLocale): string {
  return `🧹 ${catalogueFor(locale).resetDone('discord', removed.length)}`;
}

export function memoryModeReply(result: MemoryModeResult, locale: DiscordLocale): string {
  return `🧠 ${catalogueFor(locale).memoryModeSet('discord', result.mode, result.tokens, result.removed.length)}`;
}

export function forgeReply(role: 'user' | 'assistant', removed: Removed, locale: DiscordLocale): string {
  return `🪄 ${catalogueFor(locale).forgeDone('discord', role, removed.length)}`;
}

export function exportedReply(file: ExportedSession, locale: DiscordLocale): string {
  const pinned = file.messages.filter((m) => m.pinned).length;
  return `📦 ${catalogueFor(locale).exported('discord', file.messages.length, pinned)}`;
}

export function importedReply(result: ReplaceResult, locale: DiscordLocale): string {
  return `📥 ${catalogueFor(locale).imported('discord', result.kind, result.messages, result.pinned, result.before.messages)}`;
}

/** The question asked before an import replaces a memory that is not empty, with its two buttons. */
export function importConfirmReply(result: ReplaceResult, id: string, locale: DiscordLocale): CommandReply {
  const t = catalogueFor(locale);
  const button = (action: 'replace' | 'cancel', style: ButtonStyle.Danger | ButtonStyle.Secondary) =>
    ({ type: ComponentType.Button, style, custom_id: importButtonId(action, id), label: t.importButtons[action] }) as const;
  return {
    content: `⚠️ ${t.importConfirm('discord', result.before.messages, result.before.pinned, result.messages, result.pinned)}`,
    components: [{ type: ComponentType.ActionRow, components: [button('replace', ButtonStyle.Danger), button('cancel', ButtonStyle.Secondary)] }],
  };
}

export function importAnsweredReply(answer: 'cancelled' | 'expired' | 'not_yours', locale: DiscordLocale): string {
  const t = catalogueFor(locale);
  return answer === 'cancelled' ? t.importCancelled : answer === 'expired' ? t.importExpired : t.importNotYours;
}

/** A command's result, with the note that it cut off the answer being written, if it did. */
export function withCancelNote(reply: string, cancelled: boolean, by: 'reset' | 'rollback', locale: DiscordLocale): string {
  return cancelled ? `${reply}\n-# ✂️ ${catalogueFor(locale).answerCancelled(by)}` : reply;
}

/** /rollback's reply when cutting off the answer being written was the whole of it. */
export function cancelledReply(by: 'reset' | 'rollback', locale: DiscordLocale): string {
  return `↩️ ${catalogueFor(locale).answerCancelled(by)}`;
}

const span = (text: string): string => `\`${text.replaceAll('`', "'")}\``;

/** /usage: the totals so far and for the last days, with cost where known, then each model. */
export function usageReply(view: UsageView, locale: DiscordLocale): string {
  const t = catalogueFor(locale);
  const title = `📊 **${t.usageOf('discord', view.scope)}**`;
  if (view.total.requests === 0) return `${title}\n${t.usageNone('discord', view.scope)}`;
  const line = (counts: CostedCounts) => `${t.usageCounts(counts)}${counts.cost === undefined ? '' : ` · ${t.usageCost(counts.cost)}`}`;
  const lines = [
    title,
    t.labelled(`**${t.usageSoFar}**`, line(view.total)),
    t.labelled(`**${t.usageRecent(view.days)}**`, line(view.recent)),
    ...view.models.slice(0, 20).map((m) => `• ${t.labelled(span(m.model), `${line(m.total)}; ${t.labelled(t.usageRecent(view.days), line(m.recent))}`)}`),
    ...(view.unpriced.length === 0 ? [] : [`-# ${t.usageUnpriced(t.list(view.unpriced.map(span)))}`]),
    `-# ${t.usageNote}`,
  ];
  return lines.join('\n').slice(0, DISCORD_MESSAGE_LIMIT);
}

/** /settings: every effective setting of the channel, its own ones marked. */
export function settingsReply(view: SettingsView, locale: DiscordLocale): string {
  const t = catalogueFor(locale);
  const format = { code: span, prompt: (text: string) => preview(text, 120) };
  const lines = SETTING_NAMES.map((name) => {
    const own = view.own.has(name) ? `**${t.settingSource(true, 'discord')}**` : t.settingSource(false, 'discord');
    return `• ${t.labelled(t.settingLabels[name], settingValue(t, view, name, format))} ${own}`;
  });
  return [`⚙️ **${t.settingsOf('discord')}**`, ...lines].join('\n');
}

/** /system show: whose prompt it is, its cost, the prompt quoted (shortened to fit one message), and the placeholders. */
export function systemShownReply(prompt: string, own: boolean, tokens: number, locale: DiscordLocale): string {
  const t = catalogueFor(locale);
  const header = `🎭 ${t.systemShown('discord', own, tokens)}`;
  const footer = `-# ${t.placeholders(placeholderList(t, span))}`;
  const room = DISCORD_MESSAGE_LIMIT - header.length - footer.length - 16;
  const body = prompt === '' ? t.noSystemPrompt : quoted(prompt, room);
  return [header, body, footer].join('\n');
}

/** Text as a Discord block quote, markdown escaped, cut (by code point) to at most `max` characters. */
function quoted(text: string, max: number): string {
  const lines = escapeMarkdown(text).split('\n').map((line) => `> ${line}`);
  const whole = lines.join('\n');
  if (whole.length <= max) return whole;
  return `${Array.from(whole).slice(0, max - 1).join('')}…`;
}

export function systemSetReply(tokens: number, locale: DiscordLocale): string {
  return `🎭 ${catalogueFor(locale).systemSet('discord', tokens)}`;
}

export function systemResetReply(hadOwn: boolean, locale: DiscordLocale): string {
  return `🎭 ${catalogueFor(locale).systemReset('discord', hadOwn)}`;
}

/** /model show, with the models the operator offers when MODELS is set. */
export function modelShownReply(choice: ModelChoice, own: boolean, offered: readonly string[], locale: DiscordLocale): string {
  const t = catalogueFor(locale);
  const shown = `🧠 ${t.modelShown('discord', span(choice.name), own, paramsText(t, choice.params, span))}`;
  return offered.length === 0 ? shown : `${shown}\n-# ${t.modelsOffered(t.list(offered.map(span)))}`;
}

export function modelSetReply(choice: ModelChoice, locale: DiscordLocale): string {
  const t = catalogueFor(locale);
  return `🧠 ${t.modelSet('discord', span(choice.name), paramsText(t, choice.params, span))}`;
}

export function modelResetReply(hadOwn: boolean, model: string, locale: DiscordLocale): string {
  return `🧠 ${catalogueFor(locale).modelReset('discord', hadOwn, span(model))}`;
}

export function listenReply(on: boolean, was: boolean, locale: DiscordLocale): string {
  return `${on ? '👂' : '🔕'} ${catalogueFor(locale).listenSet('discord', on, was)}`;
}

/** /retry's new answer replaced the last round; `author` asked its question (undefined: no speaker). */
export function retriedReply(author: string | undefined, locale: DiscordLocale): string {
  return `🔁 ${catalogueFor(locale).retried('discord', author === undefined || author === '' ? '' : `**${escapeMarkdown(author)}**`)}`;
}

/** Why a /retry changed nothing: a refusal as plainly as any command's, a failure marked as one. */
export function retryFailedReply(problem: AnswerProblem, locale: DiscordLocale): string {
  const text = retryProblemText(catalogueFor(locale), problem);
  return problem.code === 'refused' ? text : `⚠️ ${text}`;
}
