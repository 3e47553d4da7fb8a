/**
 * Example inputs for every key of a message catalogue, typed so that a key added to the
 * Catalogue (or a code added to the domain or engine) cannot be left without an example.
 */
import type { UserErrorCode, UserErrorDetails } from '../../src/domain/errors.js';
import type { AttachmentNote, AttachmentNoteCode } from '../../src/engine/attachment-notes.js';
import type { ModelErrorDetails, ModelErrorKind } from '../../src/engine/chat-model.js';
import type { AnswerProblem } from '../../src/engine/problems.js';
import type { Catalogue, CommandKey, OwnProblemCode, Surface } from '../../src/presenters/catalogue.js';

/** Every refusal code, each with the variants of its details that are worded differently. */
export const USER_ERROR_EXAMPLES: { readonly [C in UserErrorCode]: readonly UserErrorDetails[C][] } = {
  empty_history: [{ action: 'rollback' }, { action: 'pin' }, { action: 'unpin' }],
  rollback_out_of_range: [{ count: 3, rounds: 1 }, { count: 1, rounds: 0 }],
  index_out_of_range: [{ indices: [7, -9], length: 4 }],
  bad_indices: [
    { reason: 'not_a_list', text: '1,,x' },
    { reason: 'too_many', max: 50, got: 51 },
    { reason: 'not_a_number', text: 'x' },
  ],
  bad_limit: [{ limit: 0, min: 1, max: 1000 }],
  bad_count: [{ count: 0, min: 1, max: 1000 }],
  bad_page: [
    { page: 4, pages: 2 },
    { page: 3, pages: 1 },
  ],
  message_too_long: [{ length: 5000, max: 4000 }],
  empty_message: [{}],
  context_over_budget: [
    { needed: 120, budget: 100, images: true },
    { needed: 120, budget: 100, images: false },
  ],
  question_over_budget: [{ limit: 7162, budget: 7168 }],
  bad_forge: [{}],
  bad_choice: [{ value: 'robot', allowed: ['user', 'assistant'] }],
  file_failed: [
    { action: 'read', path: 'memory.json', reason: 'ENOENT' },
    { action: 'write', path: '/root/memory.json', reason: 'EACCES' },
  ],
  bad_memory_tokens: [
    { reason: 'range', tokens: 10, min: 64, max: 2_000_000 },
    { reason: 'missing', min: 64, max: 2_000_000 },
    { reason: 'not_tokens_mode', tokens: 500, min: 64, max: 2_000_000 },
  ],
  bad_import: [
    { problem: 'too_big', size: 9_000_000, max: 8_388_608 },
    { problem: 'not_json', reason: 'Unexpected token } in JSON at position 12' },
    { problem: 'not_a_session' },
    { problem: 'unknown_format', format: 'chat-log' },
    { problem: 'unknown_version', version: '2', supported: 1 },
    { problem: 'too_many_messages', count: 120, limit: 100 },
    { problem: 'bad_role', at: 3, role: 'tool', allowed: ['system', 'user', 'assistant'] },
    { problem: 'system_not_first', at: 2 },
    { problem: 'empty_content', at: 17 },
    { problem: 'not_text', at: 4 },
    { problem: 'content_too_long', at: 5, length: 100_001, max: 100_000 },
    { problem: 'bad_field', at: 1, field: 'pinned', expected: 'boolean' },
    { problem: 'bad_field', field: 'settings.limit' },
    { problem: 'bad_field', at: 6, field: '', expected: 'object' },
    { problem: 'unknown_field', at: 2, field: 'colour' },
    { problem: 'missing_field', field: 'messages' },
    { problem: 'download_failed' },
  ],
  unknown_command: [{ name: 'frob' }],
  system_prompt_too_long: [{ length: 4100, max: 4000 }],
  system_prompt_over_budget: [{ tokens: 900, budget: 500 }],
  model_not_offered: [
    { name: 'gpt-9', models: ['gpt-4o-mini', 'ollama/llama3'] },
    { name: '', models: ['gpt-4o-mini'] },
    { name: '', models: [] },
  ],
  bad_model_param: [
    { param: 'temperature', value: 3, min: 0, max: 2, integer: false },
    { param: 'maxTokens', value: 5000, min: 1, max: 1024, integer: true },
    { param: 'topP', value: 'high', min: 0, max: 1, integer: false },
  ],
  bad_reasoning_effort: [{ value: 'max', allowed: ['low', 'medium', 'high'] }],
  unknown_model_param: [{ name: 'temp', allowed: ['temperature', 'top_p'] }],
  nothing_to_retry: [{ reason: 'empty' }, { reason: 'no_question' }],
  retry_not_yours: [{ author: 'Ada' }, { author: '' }],
  retry_stale: [{}],
  usage_bot_not_allowed: [{}],
};

/** Every kind of model failure, with the reasons each words differently. */
export const MODEL_FAILURE_EXAMPLES: { readonly [K in ModelErrorKind]: readonly ModelErrorDetails[] } = {
  rate_limited: [{}],
  unavailable: [{ reason: 'unreachable' }, { reason: 'server_error', status: 500 }, { reason: 'server_error' }, {}],
  timeout: [{ reason: 'went_silent' }, { reason: 'too_slow' }],
  auth: [{ reason: 'no_key_left' }, { reason: 'rejected' }],
  context_length: [{}],
  bad_request: [{ reason: 'unknown_model' }, { reason: 'rejected' }],
  interrupted: [{ reason: 'dropped' }],
  aborted: [{}],
};

export const ANSWER_PROBLEM_EXAMPLES: { readonly [C in OwnProblemCode]: readonly Extract<AnswerProblem, { code: C }>[] } = {
  rate_limited: [{ code: 'rate_limited', limit: 6, retryAfterMs: 1500 }],
  empty_answer: [{ code: 'empty_answer' }],
  not_stored: [{ code: 'not_stored' }],
  internal: [{ code: 'internal' }],
  store_unavailable: [{ code: 'store_unavailable' }],
  cancelled: [
    { code: 'cancelled', by: 'reset' },
    { code: 'cancelled', by: 'rollback' },
    { code: 'cancelled', by: 'interrupted' },
  ],
  restarting: [
    { code: 'restarting', interrupted: true },
    { code: 'restarting', interrupted: false },
  ],
};

export const ATTACHMENT_NOTE_EXAMPLES: { readonly [C in AttachmentNoteCode]: readonly Extract<AttachmentNote, { code: C }>[] } = {
  images_off: [{ code: 'images_off', name: 'cat.png' }],
  image_too_big: [{ code: 'image_too_big', name: 'huge.png', size: 25_000_000, max: 20_000_000 }],
  image_format: [{ code: 'image_format', name: 'photo.heic' }],
  text_off: [{ code: 'text_off', name: 'a.txt' }],
  too_big: [
    { code: 'too_big', name: 'big.log', size: 300_000, max: 100_000 },
    { code: 'too_big', name: 'edge.txt', size: 100_001, max: 100_000 },
  ],
  over_cap: [{ code: 'over_cap', name: 'endless.log', max: 1000 }],
  unsupported: [
    { code: 'unsupported', name: 'report.pdf', vision: true },
    { code: 'unsupported', name: 'report.pdf', vision: false },
  ],
  download_failed: [
    { code: 'download_failed', name: 'missing.txt', status: 404, statusText: 'Not Found' },
    { code: 'download_failed', name: 'missing.txt', status: 404, statusText: '' },
    { code: 'download_failed', name: 'gone.txt' },
  ],
  download_timeout: [{ code: 'download_timeout', name: 'slow.txt', timeoutMs: 10_000 }],
  binary: [{ code: 'binary', name: 'a.bin' }],
  not_utf8: [{ code: 'not_utf8', name: 'latin1.txt' }],
  empty: [{ code: 'empty', name: 'empty.txt' }],
};

const SURFACES: readonly Surface[] = ['discord', 'terminal'];
const VERBS = ['pinned', 'unpinned'] as const;

function each(table: Readonly<Record<string, readonly unknown[]>>, render: (key: string, example: unknown) => string): string[] {
  return Object.entries(table).flatMap(([key, examples]) => examples.map((example) => render(key, example)));
}

/**
 * Renders each key of a catalogue with the examples above: one list of texts per key, in a fixed
 * order, so two catalogues' renderings can be compared text by text.
 */
export const RENDER: { readonly [K in keyof Catalogue]: (t: Catalogue) => readonly string[] } = {
  sentences: (t) => [t.sentences(['One.', 'Two.'])],
  clauses: (t) => [t.clauses(['one', 'two'])],
  list: (t) => [t.list(['`0`', '`2`'])],
  labelled: (t) => [t.labelled('**Ada**', 'hello')],
  userError: (t) => each(USER_ERROR_EXAMPLES, (code, d) => (t.userError[code as UserErrorCode] as (d: unknown) => string)(d)),
  emptyMention: (t) => [t.emptyMention],
  modelFailure: (t) => each(MODEL_FAILURE_EXAMPLES, (kind, d) => t.modelFailure[kind as ModelErrorKind](d as ModelErrorDetails)),
  gaveUp: (t) => [t.gaveUp(1), t.gaveUp(3)],
  askedToWait: (t) => [t.askedToWait(30_000), t.askedToWait(3_600_000)],
  notAdded: (t) => [t.notAdded],
  answerProblem: (t) => each(ANSWER_PROBLEM_EXAMPLES, (code, p) => (t.answerProblem[code as OwnProblemCode] as (p: unknown) => string)(p)),
  notEnabled: (t) => [t.notEnabled],
  commandFailed: (t) => [t.commandFailed],
  memoryBusy: (t) => [t.memoryBusy],
  storeUnavailable: (t) => [t.storeUnavailable],
  answerCancelled: (t) => [t.answerCancelled('reset'), t.answerCancelled('rollback')],
  answering: (t) => [t.answering('**Ada**')],
  attachmentNote: (t) => each(ATTACHMENT_NOTE_EXAMPLES, (code, n) => (t.attachmentNote[code as AttachmentNoteCode] as (n: unknown) => string)(n)),
  leftOut: (t) => [t.leftOut(1), t.leftOut(12)],
  cutOff: (t) => [t.cutOff],
  interrupted: (t) => [t.interrupted],
  finishedAfterRestart: (t) => [t.finishedAfterRestart],
  speaker: (t) => [t.speaker.assistant, t.speaker.user],
  forged: (t) => [t.forged],
  pinnedTag: (t) => [t.pinnedTag],
  tokenCount: (t) => [t.tokenCount(1), t.tokenCount(14)],
  moreMessages: (t) => [t.moreMessages(1), t.moreMessages(3)],
  memoryOf: (t) => SURFACES.map((s) => t.memoryOf(s)),
  historyCounts: (t) => [t.historyCounts(1, 0, 10), t.historyCounts(6, 1, 100)],
  historyTokens: (t) => [t.historyTokens(14, 500, 5)],
  historyEmpty: (t) => SURFACES.map((s) => t.historyEmpty(s)),
  historySummary: (t) => [t.historySummary(120)],
  usageOf: (t) => SURFACES.flatMap((s) => [t.usageOf(s, 'channel'), t.usageOf(s, 'bot')]),
  usageNone: (t) => SURFACES.flatMap((s) => [t.usageNone(s, 'channel'), t.usageNone(s, 'bot')]),
  usageSoFar: (t) => [t.usageSoFar],
  usageRecent: (t) => [t.usageRecent(30)],
  usageCounts: (t) => [t.usageCounts({ prompt: 1200, completion: 300, requests: 4, estimated: 0 }), t.usageCounts({ prompt: 10, completion: 2, requests: 1, estimated: 1 })],
  usageCost: (t) => [t.usageCost(0.0042), t.usageCost(12.5)],
  usageUnpriced: (t) => [t.usageUnpriced('llama3')],
  usageNote: (t) => [t.usageNote],
  usageScopes: (t) => [t.usageScopes.channel, t.usageScopes.bot],
  historyPage: (t) => SURFACES.map((s) => t.historyPage(2, 3, s)),
  historyIndices: (t) => [t.historyIndices],
  pinChanged: (t) => VERBS.map((v) => t.pinChanged(v, '`2`')),
  pinAlready: (t) => VERBS.flatMap((v) => [t.pinAlready(v, '`0`', 1), t.pinAlready(v, '`0`, `1`', 2)]),
  rolledBack: (t) => [t.rolledBack(1, 2), t.rolledBack(2, 1)],
  limitShown: (t) => SURFACES.map((s) => t.limitShown(s, 100, 6, 1)),
  limitSet: (t) => SURFACES.flatMap((s) => [t.limitSet(s, 3, 0), t.limitSet(s, 3, 1), t.limitSet(s, 3, 4)]),
  resetDone: (t) => SURFACES.flatMap((s) => [t.resetDone(s, 0), t.resetDone(s, 6)]),
  memoryModes: (t) => [t.memoryModes.window, t.memoryModes.tokens, t.memoryModes.summary],
  memoryModeSet: (t) => SURFACES.flatMap((s) => [
      t.memoryModeSet(s, 'tokens', 500, 0),
      t.memoryModeSet(s, 'window', undefined, 3),
      t.memoryModeSet(s, 'summary', undefined, 0),
      t.memoryModeSet(s, 'summary', 800, 0),
    ]),
  forgeDone: (t) => SURFACES.flatMap((s) => [t.forgeDone(s, 'user', 0), t.forgeDone(s, 'assistant', 2)]),
  exported: (t) => SURFACES.map((s) => t.exported(s, 6, 1)),
  imported: (t) => SURFACES.flatMap((s) => [t.imported(s, 'export', 6, 2, 3), t.imported(s, 'messages', 4, 0, 0)]),
  importConfirm: (t) => SURFACES.map((s) => t.importConfirm(s, 5, 1, 6, 2)),
  importButtons: (t) => [t.importButtons.replace, t.importButtons.cancel],
  importCancelled: (t) => [t.importCancelled],
  importExpired: (t) => [t.importExpired],
  importNotYours: (t) => [t.importNotYours],
  settingsOf: (t) => SURFACES.map((s) => t.settingsOf(s)),
  settingLabels: (t) => Object.values(t.settingLabels),
  settingSource: (t) => SURFACES.flatMap((s) => [t.settingSource(true, s), t.settingSource(false, s)]),
  noSystemPrompt: (t) => [t.noSystemPrompt],
  noParams: (t) => [t.noParams],
  listenState: (t) => [t.listenState(true), t.listenState(false)],
  reasoningEfforts: (t) => Object.values(t.reasoningEfforts),
  systemShown: (t) => SURFACES.flatMap((s) => [t.systemShown(s, true, 12), t.systemShown(s, false, 1)]),
  systemSet: (t) => SURFACES.map((s) => t.systemSet(s, 12)),
  systemReset: (t) => SURFACES.flatMap((s) => [t.systemReset(s, true), t.systemReset(s, false)]),
  placeholders: (t) => [t.placeholders('`{date}`, `{time}`')],
  modelShown: (t) => SURFACES.flatMap((s) => [t.modelShown(s, '`m`', true, 'temperature 0.2'), t.modelShown(s, '`m`', false, t.noParams)]),
  modelSet: (t) => SURFACES.map((s) => t.modelSet(s, '`m`', 'temperature 0.2')),
  modelReset: (t) => SURFACES.flatMap((s) => [t.modelReset(s, true, '`m`'), t.modelReset(s, false, '`m`')]),
  modelsOffered: (t) => [t.modelsOffered('`a`, `b`')],
  listenSet: (t) => SURFACES.flatMap((s) => [t.listenSet(s, true, false), t.listenSet(s, false, true), t.listenSet(s, true, true), t.listenSet(s, false, false)]),
  retried: (t) => SURFACES.flatMap((s) => [t.retried(s, '**Ada**'), t.retried(s, '')]),
  retryFailed: (t) => [t.retryFailed],
  retryProblem: (t) => each(ANSWER_PROBLEM_EXAMPLES, (code, p) => (t.retryProblem[code as OwnProblemCode] as (p: unknown) => string)(p)),
  retryKept: (t) => [t.retryKept],
  terminalHelp: (t) => [...t.terminalHelp],
  interruptHint: (t) => [t.interruptHint],
  noSessions: (t) => [t.noSessions],
  sessionSize: (t) => [t.sessionSize(1, 0, 1), t.sessionSize(12, 2, 3456)],
  lastActivity: (t) => [t.lastActivity('2026-12-02 06:40')],
  commands: (t) =>
    (Object.keys(t.commands) as CommandKey[]).flatMap((key) => {
      const command = t.commands[key];
      const options = Object.values(command.options as Record<string, { name: string; description: string }>);
      return [command.name, command.description, ...options.flatMap((o) => [o.name, o.description])];
    }),
};
