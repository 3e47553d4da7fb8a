/**
 * What the terminal chat says: plain lines in the English catalogue's words (src/presenters/en.ts),
 * the same phrases Discord shows, with none of Discord's markup. Only layout is added here.
 */
import type { MemoryModeResult } from '../domain/memory-mode.js';
import type { HistoryMessage } from '../domain/message.js';
import type { ExportedSession, ReplaceResult } from '../domain/portable.js';
import type { PinResult, Removed } from '../domain/session.js';
import type { HistoryView, SessionSize } from '../engine/history-view.js';
import type { CostedCounts, UsageView } from '../engine/usage-view.js';
import { localDateTime } from '../domain/placeholders.js';
import { en as t } from '../presenters/en.js';
import type { ModelChoice, SettingsView } from '../domain/channel-settings.js';
import { SETTING_NAMES } from '../presenters/catalogue.js';
import { oneLine, paramsText, placeholderList, settingValue } from '../presenters/render.js';

function speaker(message: HistoryMessage): string {
  return message.role === 'assistant' ? t.speaker.assistant : message.authorName ?? t.speaker.user;
}

export function historyText(view: HistoryView): string {
  const header = t.labelled(
    t.memoryOf('terminal'),
    t.clauses([t.historyCounts(view.messages, view.pinned, view.limit), t.historyTokens(view.tokens, view.tokenBudget, view.systemTokens)]),
  );
  const summary = view.summary === undefined ? [] : [t.labelled(t.historySummary(view.summary.tokens), view.summary.text)];
  if (view.messages === 0) return [header, ...summary, t.historyEmpty('terminal')].join('\n');
  const lines = view.entries.map(({ index, message: m }) => {
    const who = `${m.pinned ? `[${t.pinnedTag}] ` : ''}${speaker(m)}${m.forged === true ? ` ${t.forged}` : ''}`;
    return `${String(index).padStart(4)} ${t.labelled(who, oneLine(m.content, 100))}`;
  });
  const footer = view.pages > 1 ? [t.historyPage(view.page, view.pages, 'terminal')] : [];
  return [header, ...summary, ...lines, ...footer].join('\n');
}

export function pinText(change: PinResult, verb: 'pinned' | 'unpinned'): string {
  const same = change.positions.filter((p) => !change.changed.includes(p));
  const parts: string[] = [];
  if (change.changed.length > 0) parts.push(t.pinChanged(verb, t.list(change.changed.map(String))));
  if (same.length > 0) parts.push(t.pinAlready(verb, t.list(same.map(String)), same.length));
  return t.sentences(parts);
}

export function rollbackText(removed: Removed, rounds: number): string {
  const lines = removed.slice(0, 10).map((m) => `  ${t.labelled(speaker(m), oneLine(m.content, 80))}`);
  if (removed.length > 10) lines.push(`  ${t.moreMessages(removed.length - 10)}`);
  return [t.rolledBack(rounds, removed.length), ...lines].join('\n');
}

export function limitShownText(limit: number, messages: number, pinned: number): string {
  return t.limitShown('terminal', limit, messages, pinned);
}

export function limitSetText(limit: number, removed: Removed): string {
  return t.limitSet('terminal', limit, removed.length);
}

export function resetText(removed: Removed): string {
  return t.resetDone('terminal', removed.length);
}

export function settingsText(view: SettingsView): string {
  const format = { code: (text: string) => text, prompt: (text: string) => oneLine(text, 100) };
  const lines = SETTING_NAMES.map(
    (name) => `  ${t.labelled(t.settingLabels[name], settingValue(t, view, name, format))} ${t.settingSource(view.own.has(name), 'terminal')}`,
  );
  return [t.settingsOf('terminal'), ...lines].join('\n');
}

export function systemShownText(prompt: string, own: boolean, tokens: number): string {
  return [t.systemShown('terminal', own, tokens), prompt === '' ? t.noSystemPrompt : prompt, t.placeholders(placeholderList(t))].join('\n');
}

export function systemSetText(tokens: number): string {
  return t.systemSet('terminal', tokens);
}

export function systemResetText(hadOwn: boolean): string {
  return t.systemReset('terminal', hadOwn);
}

export function modelShownText(choice: ModelChoice, own: boolean, offered: readonly string[]): string {
  const shown = t.modelShown('terminal', choice.name, own, paramsText(t, choice.params));
  return offered.length === 0 ? shown : `${shown}\n${t.modelsOffered(t.list([...offered]))}`;
}

export function modelSetText(choice: ModelChoice): string {
  return t.modelSet('terminal', choice.name, paramsText(t, choice.params));
}

export function modelResetText(hadOwn: boolean, model: string): string {
  return t.modelReset('terminal', hadOwn, model);
}

export const HELP = t.terminalHelp.join('\n');

export function forgeText(role: 'user' | 'assistant', removed: Removed): string {
  return t.forgeDone('terminal', role, removed.length);
}

export function usageText(view: UsageView): string {
  const title = t.usageOf('terminal', view.scope);
  if (view.total.requests === 0) return `${title}\n${t.usageNone('terminal', view.scope)}`;
  const line = (counts: CostedCounts) => `${t.usageCounts(counts)}${counts.cost === undefined ? '' : ` ${t.usageCost(counts.cost)}`}`;
  return [
    title,
    `  ${t.labelled(t.usageSoFar, line(view.total))}`,
    `  ${t.labelled(t.usageRecent(view.days), line(view.recent))}`,
    ...view.models.map((m) => `  ${t.labelled(m.model, `${line(m.total)}; ${t.labelled(t.usageRecent(view.days), line(m.recent))}`)}`),
    ...(view.unpriced.length === 0 ? [] : [t.usageUnpriced(t.list(view.unpriced))]),
    t.usageNote,
  ].join('\n');
}

export function memoryModeText(result: MemoryModeResult): string {
  return t.memoryModeSet('terminal', result.mode, result.tokens, result.removed.length);
}

export function exportedText(file: ExportedSession, path: string): string {
  return t.labelled(path, t.exported('terminal', file.messages.length, file.messages.filter((m) => m.pinned).length));
}

export function importedText(result: ReplaceResult): string {
  return t.imported('terminal', result.kind, result.messages, result.pinned, result.before.messages);
}

export function importConfirmText(result: ReplaceResult): string {
  return t.importConfirm('terminal', result.before.messages, result.before.pinned, result.messages, result.pinned);
}

export const IMPORT_CANCELLED = t.importCancelled;

/** Ctrl-C on an empty line: how to leave. */
export const INTERRUPT_HINT = t.interruptHint;

/** `--list` over a store with no sessions. */
export const NO_SESSIONS = t.noSessions;

/** One `--list` line: the session's key (padded to `width`), its size, and its newest message's time in `timeZone`. */
export function sessionLine(key: string, size: SessionSize, width: number, timeZone: string | undefined): string {
  const parts = [t.sessionSize(size.messages, size.pinned, size.tokens)];
  if (size.lastActivity !== undefined) {
    const { date, time } = localDateTime(size.lastActivity, timeZone);
    parts.push(t.lastActivity(`${date} ${time}`));
  }
  return `${key.padEnd(width)}  ${t.clauses(parts)}`;
}

/** /retry replaced the last round; `author` asked its question (empty: no speaker). */
export function retriedText(author: string): string {
  return t.retried('terminal', author);
}
