/**
 * Phrases composed from a catalogue's keys, the same way in every language: a surface's presenter
 * calls these with the catalogue for the person's locale.
 */
import { isUserError, type UserError, type UserErrorCode, type UserErrorDetails } from '../domain/errors.js';
import type { AnswerNote, AttachmentNote, AttachmentNoteCode } from '../engine/attachment-notes.js';
import type { ModelErrorDetails, ModelErrorKind } from '../engine/chat-model.js';
import { MemoryBusyError } from '../engine/memory.js';
import type { AnswerProblem } from '../engine/problems.js';
import { StoreUnavailableError } from '../engine/session-store.js';
import { type ModelParams, PARAM_NAMES } from '../domain/model-params.js';
import { PLACEHOLDERS } from '../domain/placeholders.js';
import type { SettingsView } from '../domain/channel-settings.js';
import type { Catalogue, SettingName } from './catalogue.js';

export function userErrorText(t: Catalogue, error: UserError): string {
  // The table is keyed by code; a UserError's details always belong to its code.
  const explain = t.userError[error.code] as (details: UserErrorDetails[UserErrorCode]) => string;
  return explain(error.details);
}

/** What went wrong with the model, with the retries' outcome: "… Gave up after 3 tries." */
export function modelFailureText(t: Catalogue, kind: ModelErrorKind, details: ModelErrorDetails): string {
  const parts = [t.modelFailure[kind](details)];
  if (details.attempts !== undefined) parts.push(t.gaveUp(details.attempts));
  if (details.waitMs !== undefined) parts.push(t.askedToWait(details.waitMs));
  return t.sentences(parts);
}

/** Why a question got no answer kept in memory: always says that nothing was added. */
export function answerProblemText(t: Catalogue, problem: AnswerProblem): string {
  switch (problem.code) {
    case 'refused':
      return userErrorText(t, problem.error);
    case 'model_failed':
      return t.sentences([modelFailureText(t, problem.kind, problem.details), t.notAdded]);
    case 'rate_limited':
      return t.answerProblem.rate_limited(problem);
    case 'empty_answer':
      return t.answerProblem.empty_answer(problem);
    case 'not_stored':
      return t.answerProblem.not_stored(problem);
    case 'internal':
      return t.answerProblem.internal(problem);
    case 'store_unavailable':
      return t.answerProblem.store_unavailable(problem);
    case 'cancelled':
      return t.answerProblem.cancelled(problem);
    case 'restarting':
      return t.answerProblem.restarting(problem);
  }
}

/**
 * Why a /retry failed: a refusal as itself (it says nothing was changed); any other problem
 * framed as a retry that failed, with the previous answer kept.
 */
export function retryProblemText(t: Catalogue, problem: AnswerProblem): string {
  if (problem.code === 'refused') return userErrorText(t, problem.error);
  return t.sentences([t.retryFailed, retryReason(t, problem), t.retryKept]);
}

function retryReason(t: Catalogue, problem: Exclude<AnswerProblem, { code: 'refused' }>): string {
  switch (problem.code) {
    case 'model_failed':
      return modelFailureText(t, problem.kind, problem.details);
    case 'rate_limited':
      return t.retryProblem.rate_limited(problem);
    case 'empty_answer':
      return t.retryProblem.empty_answer(problem);
    case 'not_stored':
      return t.retryProblem.not_stored(problem);
    case 'internal':
      return t.retryProblem.internal(problem);
    case 'store_unavailable':
      return t.retryProblem.store_unavailable(problem);
    case 'cancelled':
      return t.retryProblem.cancelled(problem);
    case 'restarting':
      return t.retryProblem.restarting(problem);
  }
}

/**
 * What a command that failed with `error` tells the person, for the failures they are meant to
 * hear about (a refusal, a store that cannot be written, another writer winning twice); undefined
 * for anything else, which is a bug the surface reports with its generic words.
 */
export function commandFailureText(t: Catalogue, error: unknown): string | undefined {
  if (isUserError(error)) return userErrorText(t, error);
  if (error instanceof StoreUnavailableError) return t.storeUnavailable;
  if (error instanceof MemoryBusyError) return t.memoryBusy;
  return undefined;
}

/** A note under an answer, in words. */
export function answerNoteText(t: Catalogue, note: AnswerNote): string {
  if (note.code === 'left_out') return t.leftOut(note.count);
  if (note.code === 'cut_off') return t.cutOff;
  return attachmentNoteText(t, note);
}

export function attachmentNoteText(t: Catalogue, note: AttachmentNote): string {
  const word = t.attachmentNote[note.code] as (note: Extract<AttachmentNote, { code: AttachmentNoteCode }>) => string;
  return word(note);
}

/**
 * Sizes as people read them (1 KB = 1000 bytes, as Discord shows them), with the catalogue's word
 * for bytes. Given two sizes that would round to the same text, both are shown in bytes, so
 * "100 KB is over 100 KB" never appears.
 */
export function formatBytes(bytesWord: string, ...sizes: number[]): string[] {
  const rounded = sizes.map((n) => roundBytes(n, bytesWord));
  const ambiguous = new Set(rounded).size < rounded.length && new Set(sizes).size === sizes.length;
  return ambiguous ? sizes.map((n) => `${grouped(n)} ${bytesWord}`) : rounded;
}

function roundBytes(bytes: number, bytesWord: string): string {
  if (bytes < 1000) return `${String(bytes)} ${bytesWord}`;
  const [value, unit] = bytes < 1_000_000 ? [bytes / 1000, 'KB'] : [bytes / 1_000_000, 'MB'];
  return `${String(value < 10 ? Math.round(value * 10) / 10 : Math.round(value))} ${unit}`;
}

/** Thousands grouped with commas, as both English and Chinese write them. */
function grouped(n: number): string {
  return n.toLocaleString('en-US');
}

/** Seconds with one decimal: "0.2", "10". */
export function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** One line of a message: whitespace folded, shortened by code point (an emoji is never cut in half). */
export function oneLine(content: string, max: number): string {
  const flat = content.replace(/\s+/g, ' ').trim();
  const points = Array.from(flat);
  return points.length > max ? `${points.slice(0, max - 1).join('')}…` : flat;
}

/**
 * A channel's parameters as "temperature 0.2, top_p 0.9", in the API's names (each passed
 * through `name`, for a surface's code spans); the catalogue's "none set" when there are none.
 */
export function paramsText(t: Catalogue, params: ModelParams | undefined, name: (text: string) => string = (n) => n): string {
  // In the order /model set lists them, whatever order they were stored in.
  const set = (Object.keys(PARAM_NAMES) as (keyof ModelParams)[]).flatMap((param) => {
    const value = params?.[param];
    return value === undefined ? [] : [[param, value] as const];
  });
  if (set.length === 0) return t.noParams;
  return t.list(set.map(([param, value]) => `${name(PARAM_NAMES[param])} ${String(value)}`));
}

/** `{date}`, `{time}`, … through `name`, for the placeholders line. */
export function placeholderList(t: Catalogue, name: (text: string) => string = (n) => n): string {
  return t.list(PLACEHOLDERS.map((p) => name(`{${p}}`)));
}

/** How a surface shows parts of a setting: a name or number as code, a prompt as one short line. */
export interface SettingFormat {
  readonly code: (text: string) => string;
  readonly prompt: (text: string) => string;
}

/** The value /settings shows for one setting. */
export function settingValue(t: Catalogue, view: SettingsView, name: SettingName, format: SettingFormat): string {
  const { resolved } = view;
  switch (name) {
    case 'systemPrompt':
      return resolved.systemPrompt === '' ? t.noSystemPrompt : format.prompt(resolved.systemPrompt);
    case 'model':
      return format.code(resolved.model);
    case 'params':
      return paramsText(t, resolved.params, format.code);
    case 'listen':
      return t.listenState(resolved.listen === true);
    case 'limit':
      return String(resolved.limit);
    case 'memoryMode': {
      const mode = resolved.memoryMode ?? 'window';
      return mode === 'window' || resolved.memoryTokens === undefined ? t.memoryModes[mode] : `${t.memoryModes[mode]}, ${t.tokenCount(resolved.memoryTokens)}`;
    }
    case 'tokenBudget':
      return String(resolved.tokenBudget);
  }
}
