/**
 * The English catalogue: the words for every code the engine and the domain return, every
 * command result and every slash command. English is the default language (src/presenters/index.ts).
 */
import type { UserError } from '../domain/errors.js';
import type { ImportProblem } from '../domain/portable.js';
import { PARAM_NAMES } from '../domain/model-params.js';
import { MAX_LIMIT, MIN_LIMIT } from '../domain/session.js';
import type { ModelErrorDetails, ModelErrorKind } from '../engine/chat-model.js';
import type { AnswerProblem } from '../engine/problems.js';
import type { Catalogue, Surface } from './catalogue.js';
import { answerProblemText as renderProblem, formatBytes, modelFailureText as renderFailure, seconds, userErrorText as renderUserError } from './render.js';

export function plural(count: number, word: string): string {
  return `${String(count)} ${word}${count === 1 ? '' : 's'}`;
}

const INDICES_HELP = '(0 is the oldest message, -1 the newest)';
const NOT_ADDED = 'Your message was not added to memory.';
const bytes = (...sizes: number[]): string[] => formatBytes('bytes', ...sizes);

function waitText(waitMs: number): string {
  const s = Math.ceil(waitMs / 1000);
  return s >= 120 ? `${String(Math.ceil(s / 60))} minutes` : `${String(s)} seconds`;
}

/** "Message 17: " for a problem in one message of the file (its index there, from 0). */
const inMessage = (at: number | undefined): string => (at === undefined ? '' : `Message ${String(at)}: `);

function importProblem(details: ImportProblem): string {
  switch (details.problem) {
    case 'too_big': {
      const [size, max] = bytes(details.size, details.max);
      return `The file is ${size ?? ''}; an import may be at most ${max ?? ''}.`;
    }
    case 'not_json':
      return `The file is not valid JSON (${details.reason}).`;
    case 'not_a_session':
      return 'The file is neither a contextcord export (from /export) nor a chat-completions `messages` array.';
    case 'unknown_format':
      return `The file's format is "${details.format}"; I import \`contextcord-session\` files and \`messages\` arrays.`;
    case 'unknown_version':
      return `The file is version ${details.version} of the format; this bot reads version ${String(details.supported)}.`;
    case 'too_many_messages':
      return `The file holds ${plural(details.count, 'message')}, more than the limit of ${String(details.limit)}: raise it with /limit first.`;
    case 'bad_role':
      return `${inMessage(details.at)}the role is "${details.role}"; it must be ${details.allowed.map((r) => `\`${r}\``).join(', ')}.`;
    case 'system_not_first':
      return `${inMessage(details.at)}a \`system\` message may only come first (it becomes the system prompt).`;
    case 'empty_content':
      return `${inMessage(details.at)}content is empty.`;
    case 'not_text':
      return `${inMessage(details.at)}content is not text; only text can be imported.`;
    case 'content_too_long':
      return `${inMessage(details.at)}content is ${String(details.length)} characters long; the most an import takes is ${String(details.max)}.`;
    case 'bad_field':
      return details.field === ''
        ? `${inMessage(details.at)}not valid${details.expected === undefined ? '' : ` (expected \`${details.expected}\`)`}.`
        : `${inMessage(details.at)}\`${details.field}\` is not valid${details.expected === undefined ? '' : ` (expected \`${details.expected}\`)`}.`;
    case 'unknown_field':
      return `${inMessage(details.at)}unknown field \`${details.field}\`.`;
    case 'missing_field':
      return `${inMessage(details.at)}\`${details.field}\` is missing.`;
    case 'download_failed':
      return 'The file could not be downloaded from Discord; please try again.';
  }
}

const where = (surface: Surface): string => (surface === 'discord' ? 'This channel' : 'This session');

export const en: Catalogue = {
  sentences: (parts) => parts.join(' '),
  clauses: (parts) => parts.join(', '),
  list: (items) => items.join(', '),
  labelled: (label, text) => `${label}: ${text}`,

  userError: {
    empty_history: ({ action }) =>
      action === 'rollback' ? 'There is nothing to roll back: this channel has no messages in memory.' : 'This channel has no messages in memory yet.',
    rollback_out_of_range: ({ count, rounds }) =>
      `Cannot roll back ${plural(count, 'round')}: memory holds ${plural(rounds, 'round')}, so the count must be from 1 to ${String(rounds)}. Nothing was changed.`,
    index_out_of_range: ({ indices, length }) =>
      `Index ${indices.join(', ')} is out of range: memory holds ${plural(length, 'message')}, so indices run from 0 to ${String(length - 1)} (or -${String(length)} to -1). Nothing was changed.`,
    bad_indices: (details) => {
      switch (details.reason) {
        case 'not_a_list':
          return `"${details.text}" is not a list of indices: give whole numbers separated by spaces or commas, like \`0 -2 -1\` ${INDICES_HELP}.`;
        case 'too_many':
          return `Give at most ${String(details.max)} indices at once; got ${String(details.got)}.`;
        case 'not_a_number':
          return `"${details.text}" is not a whole number: indices look like \`0\`, \`3\` or \`-1\` ${INDICES_HELP}.`;
      }
    },
    bad_limit: ({ limit, min, max }) => `The limit must be a whole number of messages from ${String(min)} to ${String(max)}; got ${String(limit)}.`,
    bad_count: ({ count, min, max }) => `The count must be a whole number from ${String(min)} to ${String(max)}; got ${String(count)}.`,
    bad_page: ({ page, pages }) => `There ${pages === 1 ? 'is 1 page' : `are ${String(pages)} pages`}; page ${String(page)} does not exist.`,
    message_too_long: ({ length, max }) =>
      `That message is ${String(length)} characters long; the most I accept is ${String(max)}. Nothing was added to memory.`,
    empty_message: () => 'The message is empty: say something.',
    context_over_budget: ({ needed, budget, images }) =>
      `The system prompt, pinned messages and your message${images ? ' with its images' : ''} need ${String(needed)} tokens, but the budget for a request is ${String(budget)}. Unpin something (/unpin) or send a shorter message. Nothing was added to memory.`,
    question_over_budget: ({ limit, budget }) =>
      `Your message needs more than ${String(limit)} tokens, but the budget for a whole request is ${String(budget)}. Send a shorter message or smaller files. Nothing was added to memory.`,
    bad_forge: () => 'Give at least one message to add.',
    bad_choice: ({ value, allowed }) => `"${value}" is not one of ${allowed.map((a) => `\`${a}\``).join(', ')}.`,
    file_failed: ({ action, path, reason }) => `Could not ${action} ${path} (${reason}). Nothing was changed.`,
    bad_memory_tokens: ({ reason, tokens, min, max }) =>
      reason === 'missing'
        ? `Tokens mode needs a token cap: give \`tokens\` (from ${String(min)} to ${String(max)}). Nothing was changed.`
        : reason === 'not_tokens_mode'
          ? `\`tokens\` applies to tokens mode only; leave it out for the window mode. Nothing was changed.`
          : `The token cap must be a whole number from ${String(min)} to ${String(max)}; got ${String(tokens ?? 0)}. Nothing was changed.`,
    bad_import: (details) => `${importProblem(details)} Nothing was changed.`,
    unknown_command: ({ name }) => `I don't know the command /${name}; it may be from an older version of the bot.`,
    system_prompt_too_long: ({ length, max }) =>
      `That system prompt is ${String(length)} characters long; the most I accept is ${String(max)}. Nothing was changed.`,
    system_prompt_over_budget: ({ tokens, budget }) =>
      `That system prompt alone needs ${String(tokens)} tokens, but the budget for a whole request is ${String(budget)}: no question could be answered. Shorten it. Nothing was changed.`,
    model_not_offered: ({ name, models }) =>
      models.length === 0
        ? 'Give the name of a model.'
        : `${name === '' ? 'A model name is needed' : `The model "${name}" is not offered here`}: choose one of ${models.join(', ')}. Nothing was changed.`,
    bad_model_param: ({ param, value, min, max, integer }) =>
      `${PARAM_NAMES[param]} must be ${integer ? 'a whole number' : 'a number'} from ${String(min)} to ${String(max)}; got ${typeof value === 'string' ? `"${value}"` : String(value)}. Nothing was changed.`,
    bad_reasoning_effort: ({ value, allowed }) => `reasoning_effort must be one of ${allowed.join(', ')}; got "${value}". Nothing was changed.`,
    unknown_model_param: ({ name, allowed }) => `There is no parameter "${name}": give name=value with one of ${allowed.join(', ')}. Nothing was changed.`,
    nothing_to_retry: ({ reason }) =>
      reason === 'empty'
        ? 'There is nothing to retry: this channel has no messages in memory.'
        : 'There is nothing to retry: the last round in memory has no question (it was trimmed away).',
    retry_not_yours: ({ author }) =>
      `Only ${author === '' ? 'the person who asked it' : author} or a moderator (Manage Messages) can retry the last answer. Nothing was changed.`,
    usage_bot_not_allowed: () => 'The whole bot’s usage is shown to moderators (Manage Messages), or in a DM with the bot. Use /usage without scope for this channel’s.',
    retry_stale: () => 'The last round changed while the new answer was being written (a /rollback, or another copy of the bot), so it was not replaced. Nothing was changed.',
  },
  emptyMention: 'The message is empty: say something after mentioning me.',

  modelFailure: {
    rate_limited: () => 'The model server is rate limiting requests right now.',
    unavailable: ({ reason, status }) => {
      if (reason === 'unreachable') return 'The model server could not be reached.';
      if (reason === 'server_error') return `The model server had an error${status === undefined ? '' : ` (HTTP ${String(status)})`}.`;
      return 'The model could not be reached.';
    },
    timeout: ({ reason }) => (reason === 'went_silent' ? 'The model started answering, then went silent.' : 'The model took too long to answer.'),
    auth: ({ reason }) =>
      reason === 'no_key_left'
        ? "No working API key is left for the model server; the bot's owner must fix OPENAI_API_KEY."
        : 'The model server refused the API key.',
    context_length: () => 'The conversation is longer than the model accepts.',
    bad_request: ({ reason }) =>
      reason === 'unknown_model' ? 'The model server does not know the configured model.' : 'The model server rejected the request.',
    interrupted: () => 'The model stopped in the middle of its answer.',
    aborted: () => 'The answer was cancelled.',
  },
  gaveUp: (attempts) => `Gave up after ${String(attempts)} ${attempts === 1 ? 'try' : 'tries'}.`,
  askedToWait: (waitMs) => `It asks to wait ${waitText(waitMs)}; please try again later.`,
  notAdded: NOT_ADDED,
  answerProblem: {
    rate_limited: ({ limit, retryAfterMs }) =>
      `You're asking faster than I answer (at most ${String(limit)} questions a minute). Try again in ${String(Math.ceil(retryAfterMs / 1000))} s; until then I won't answer you, and what you send is not added to memory.`,
    empty_answer: () => `The model returned an empty answer. ${NOT_ADDED}`,
    not_stored: () =>
      'This answer could not be added to memory: another copy of the bot kept changing it at the same moment. Ask again if it matters.',
    internal: () => `Something went wrong on my side. ${NOT_ADDED}`,
    store_unavailable: () => `I cannot store memory right now: the bot's database is unavailable. ${NOT_ADDED} The bot's operator can see why in its logs.`,
    cancelled: ({ by }) =>
      by === 'interrupted'
        ? `You stopped this answer while it was being written. ${NOT_ADDED}`
        : `This answer was cancelled by /${by} while it was being written. ${NOT_ADDED}`,
    restarting: ({ interrupted }) =>
      interrupted
        ? `This answer was interrupted because the bot is restarting. ${NOT_ADDED} Please ask again in a moment.`
        : `I'm restarting, so I did not get to this. ${NOT_ADDED} Please ask again in a moment.`,
  },
  notEnabled: 'contextcord is not enabled here.',
  commandFailed: 'Something went wrong on my side, so nothing was changed. The error was logged; please try again.',
  memoryBusy: 'Memory of this channel was being changed by another copy of the bot at the same moment, so nothing was changed. Please try again.',
  storeUnavailable: "I cannot store memory right now: the bot's database is unavailable, so nothing was changed. The bot's operator can see why in its logs.",
  answerCancelled: (by) => `The answer being written in this channel was cancelled by /${by} and not added to memory.`,
  answering: (name) => `Answering ${name} now: that round is added to memory when the answer is complete.`,
  attachmentNote: {
    images_off: ({ name }) => `${name} was ignored: I can't see images here, only text files are read`,
    image_too_big: ({ name, size, max }) => {
      const [shown, limit] = bytes(size, max);
      return `${name} was ignored: it is ${shown ?? ''}, and images may be at most ${limit ?? ''}`;
    },
    image_format: ({ name }) => `${name} was ignored: I can see PNG, JPEG, GIF and WebP images only`,
    text_off: ({ name }) => `${name} was ignored: reading text files is turned off here`,
    too_big: ({ name, size, max }) => {
      const [shown, limit] = bytes(size, max);
      return `${name} was not read: it is ${shown ?? ''}, and the most I read is ${limit ?? ''}`;
    },
    over_cap: ({ name, max }) => `${name} was not read: it is larger than the ${bytes(max)[0] ?? ''} I read`,
    unsupported: ({ name, vision }) => `${name} was ignored: I read only text files${vision ? ' and images' : ''}`,
    download_failed: ({ name, status, statusText }) =>
      status === undefined
        ? `${name} could not be read: the download failed`
        : `${name} could not be read: the download failed with HTTP ${String(status)}${statusText === undefined || statusText === '' ? '' : ` ${statusText}`}`,
    download_timeout: ({ name, timeoutMs }) => `${name} could not be read: the download took longer than ${seconds(timeoutMs)} s`,
    binary: ({ name }) => `${name} was ignored: it holds binary data, not text`,
    not_utf8: ({ name }) => `${name} was ignored: it is not UTF-8 text`,
    empty: ({ name }) => `${name} was ignored: it is empty`,
  },
  leftOut: (count) => `${count === 1 ? '1 older message' : `${String(count)} older messages`} left out to fit the context`,
  cutOff: 'the answer was cut off at its length limit (max_tokens)',
  interrupted: 'interrupted',
  finishedAfterRestart: 'finished from memory after a restart',

  speaker: { assistant: 'assistant', user: 'user' },
  forged: '(forged)',
  pinnedTag: 'pinned',
  tokenCount: (tokens) => `${String(tokens)} tok`,
  moreMessages: (count) => `… and ${plural(count, 'more message')}`,
  memoryOf: (surface) => (surface === 'discord' ? 'Memory of this channel' : 'Memory'),
  historyCounts: (messages, pinned, limit) => `${plural(messages, 'message')} (${String(pinned)} pinned), limit ${String(limit)}`,
  historyTokens: (tokens, budget, systemTokens) => `${String(tokens)} of ${String(budget)} prompt tokens (system prompt ${String(systemTokens)})`,
  historySummary: (tokens) => `Summary of older messages (${String(tokens)} tok)`,
  historyEmpty: (surface) =>
    surface === 'discord' ? 'Nothing in memory yet: mention me to start a conversation.' : 'Nothing in memory yet: type a question to start.',
  historyPage: (page, pages, surface) =>
    surface === 'discord'
      ? `Page ${String(page)} of ${String(pages)} (page 1 is the newest).`
      : `page ${String(page)} of ${String(pages)} (1 is the newest)`,
  historyIndices: 'Indices for /pin: 0 is the oldest, -1 the newest.',
  pinChanged: (verb, list) => `${verb === 'pinned' ? 'Pinned' : 'Unpinned'} ${list}.`,
  pinAlready: (verb, list, count) => `${list} ${count === 1 ? 'was' : 'were'} already ${verb}.`,
  rolledBack: (rounds, messages) => `Rolled back ${plural(rounds, 'round')} (${plural(messages, 'message')}):`,
  limitShown: (surface, limit, messages, pinned) =>
    `${where(surface)} keeps at most ${plural(limit, 'message')}; it holds ${String(messages)} now (${String(pinned)} pinned).`,
  limitSet: (surface, limit, removed) =>
    `${where(surface)} now keeps at most ${plural(limit, 'message')}. ${removed === 0 ? 'Nothing had to be removed.' : `Removed the ${plural(removed, 'oldest unpinned message')}.`}`,
  resetDone: (surface, removed) => {
    const memory = surface === 'discord' ? 'Memory of this channel' : 'Memory';
    return removed === 0 ? `${memory} was already empty.` : `${memory} cleared: ${plural(removed, 'message')} forgotten. Settings are kept.`;
  },
  memoryModes: { window: 'window (the message limit)', tokens: 'tokens (a token cap)', summary: 'summary (older messages summarised)' },
  memoryModeSet: (surface, mode, tokens, removed) =>
    `${where(surface)} now keeps ${
      mode === 'tokens'
        ? `the newest messages that fit ${String(tokens ?? 0)} tokens (pins included), within its message limit`
        : mode === 'summary'
          ? `recent messages (${tokens === undefined ? 'as many as half the token budget holds' : `up to ${String(tokens)} tokens`}, within its message limit) and a running summary of what leaves them; older messages are folded into it after each answer, and nothing goes unsummarised`
          : 'messages by its message limit'
    }. ${removed === 0 ? 'Nothing had to be removed.' : `Removed the ${plural(removed, 'oldest unpinned message')}.`}`,
  forgeDone: (surface, role, removed) =>
    `Added a forged ${role === 'user' ? 'user' : 'assistant'} message at the end of ${surface === 'discord' ? 'this channel’s memory' : 'memory'} (index -1); the model will take it as said.${
      removed === 0 ? '' : ` The limit trimmed the ${plural(removed, 'oldest unpinned message')}.`
    }`,
  exported: (surface, messages, pinned) =>
    `${surface === 'discord' ? 'Memory of this channel' : 'Memory'}: ${plural(messages, 'message')} (${String(pinned)} pinned) and its settings, in the file. /import reads it back, here or elsewhere.`,
  imported: (surface, kind, messages, pinned, forgotten) =>
    `${surface === 'discord' ? 'Memory of this channel' : 'Memory'} replaced from the file: ${plural(messages, 'message')} (${String(pinned)} pinned)${
      kind === 'export' ? ' and its settings' : ', settings kept'
    }; ${plural(forgotten, 'earlier message')} forgotten.`,
  importConfirm: (surface, held, heldPinned, incoming, incomingPinned) =>
    `${surface === 'discord' ? 'Memory of this channel' : 'Memory'} holds ${plural(held, 'message')} (${String(heldPinned)} pinned). Importing replaces them, their pins and the settings with the file's ${plural(incoming, 'message')} (${String(incomingPinned)} pinned). Replace?`,
  importButtons: { replace: 'Replace memory', cancel: 'Cancel' },
  importCancelled: 'Import cancelled: nothing was changed.',
  importExpired: 'This import is no longer waiting for an answer (it was answered, or the bot restarted): nothing was changed. Run /import again.',
  importNotYours: 'Only the person who ran /import can answer it.',

  settingsOf: (surface) => (surface === 'discord' ? 'Settings of this channel' : 'Settings'),
  settingLabels: {
    systemPrompt: 'System prompt',
    model: 'Model',
    params: 'Parameters',
    listen: 'Listen mode',
    limit: 'Message limit',
    memoryMode: 'Memory mode',
    tokenBudget: 'Token budget',
  },
  settingSource: (own, surface) => (own ? (surface === 'discord' ? '(this channel’s own)' : '(this session’s own)') : '(default)'),
  noSystemPrompt: 'none (no system message is sent)',
  noParams: 'none set (the server’s defaults apply)',
  usageOf: (surface, scope) => (scope === 'bot' ? 'Usage of the whole bot' : surface === 'discord' ? 'Usage of this channel' : 'Usage of this session'),
  usageNone: (surface, scope) =>
    scope === 'bot' ? 'No completions counted yet.' : `No completions counted yet in ${surface === 'discord' ? 'this channel' : 'this session'}.`,
  usageSoFar: 'So far',
  usageRecent: (days) => `Last ${String(days)} days`,
  usageCounts: ({ prompt, completion, requests, estimated }) =>
    `${String(prompt)} prompt + ${String(completion)} completion tokens in ${plural(requests, 'completion')}${estimated === 0 ? '' : ` (${String(estimated)} counted by the bot: the server sent no usage)`}`,
  usageCost: (dollars) => `≈ $${dollars < 0.01 && dollars > 0 ? dollars.toFixed(4) : dollars.toFixed(2)}`,
  usageUnpriced: (models) => `No price is known for ${models}, so no cost is shown for it or for the totals.`,
  usageNote: 'Answers, retries and summaries all count. Costs are estimates at list prices (gpt-tokenizer’s model list).',
  usageScopes: { channel: 'this channel', bot: 'the whole bot' },
  listenState: (on) => (on ? 'on: every message here is answered' : 'off: only mentions are answered'),
  reasoningEfforts: { low: 'low', medium: 'medium', high: 'high' },
  systemShown: (surface, own, tokens) =>
    `${where(surface)} uses ${own ? 'its own' : 'the default'} system prompt (${plural(tokens, 'token')}):`,
  systemSet: (surface, tokens) => `${where(surface)} now uses this system prompt (${plural(tokens, 'token')}) from the next question on.`,
  systemReset: (surface, hadOwn) =>
    hadOwn ? `${where(surface)} uses the default system prompt again.` : `${where(surface)} already uses the default system prompt.`,
  placeholders: (list) => `Placeholders filled at each question: ${list}.`,
  modelShown: (surface, model, own, params) => `${where(surface)} uses ${own ? 'its own choice of' : 'the default'} model ${model}. Parameters: ${params}.`,
  modelSet: (surface, model, params) => `${where(surface)} now uses ${model}. Parameters: ${params}.`,
  modelReset: (surface, hadOwn, model) =>
    hadOwn ? `${where(surface)} uses the default model ${model} again, with no parameters of its own.` : `${where(surface)} already uses the default model ${model}.`,
  modelsOffered: (list) => `Models offered: ${list}.`,
  listenSet: (surface, on, was) => {
    if (on === was) return on ? `${where(surface)} was already answering every message.` : `${where(surface)} was already answering mentions only.`;
    return on
      ? `${where(surface)} is now answered without a mention: every message from a person gets an answer.`
      : `${where(surface)} is answered only when I am mentioned again.`;
  },
  retried: (surface, author) =>
    `Regenerated the answer to ${author === '' ? 'the last question' : `${author}’s question`}: it replaced the previous answer in ${surface === 'discord' ? 'this channel’s memory' : 'memory'}.`,
  retryFailed: 'The answer could not be regenerated.',
  retryProblem: {
    rate_limited: ({ limit, retryAfterMs }) =>
      `You're asking faster than I answer (at most ${String(limit)} questions a minute); try again in ${String(Math.ceil(retryAfterMs / 1000))} s.`,
    empty_answer: () => 'The model returned an empty answer.',
    not_stored: () => 'Another copy of the bot kept changing this memory at the same moment.',
    internal: () => 'Something went wrong on my side.',
    store_unavailable: () => "The bot's database is unavailable; the bot's operator can see why in its logs.",
    cancelled: ({ by }) => `/${by} cancelled it while it was being written.`,
    restarting: () => 'The bot is restarting; please try again in a moment.',
  },
  retryKept: 'Nothing was changed: the previous answer stays in memory.',

  terminalHelp: [
    'Type a question and press Enter; the answer streams below it.',
    'Commands (the same as the Discord slash commands):',
    '  /history [page]     what memory holds (page 1 is the newest)',
    '  /rollback [count]   remove the last rounds (default 1)',
    '  /retry              regenerate the last answer (it replaces the last round)',
    '  /pin I…  /unpin I…  pin or unpin messages by index (0 = oldest, -1 = newest)',
    '  /limit [messages]   show or set how many messages memory keeps',
    '  /reset              forget the conversation (settings stay)',
    '  /forge user|assistant TEXT   add a made-up message at the end of memory',
    '  /memory window | tokens N | summary [N]   keep memory by the message limit, also by N tokens, or summarise what leaves',
    '  /export FILE  /import FILE   save memory to a file, or replace it with one (asks first: y/n)',
    '  /settings           this session’s settings, and which are its own',
    '  /usage [bot]         tokens this session’s completions took (or the whole bot’s), and their cost',
    '  /system [show|set PROMPT|reset]   show, set or reset the system prompt',
    '  /model [show|set NAME [param=value…]|reset]   show, set or reset the model and its parameters',
    '                      (temperature= top_p= max_tokens= frequency_penalty= presence_penalty= seed= reasoning_effort=)',
    '  /quit               leave (or Ctrl-D)',
    'Ctrl-C stops the answer being written (it is not kept); on an empty line, twice, it leaves.',
    'Start a question with // to begin it with a slash.',
  ],
  interruptHint: '(To leave, press Ctrl-C again or Ctrl-D, or type /quit.)',
  noSessions: 'No sessions are stored yet.',
  sessionSize: (messages, pinned, tokens) => `${plural(messages, 'message')} (${String(pinned)} pinned), ${plural(tokens, 'prompt token')}`,
  lastActivity: (when) => `last message ${when}`,
  commands: {
    history: {
      name: 'history',
      description: 'List what this channel’s memory holds (only you see it)',
      options: { page: { name: 'page', description: 'Page 1 is the newest' } },
    },
    rollback: {
      name: 'rollback',
      description: 'Remove the last rounds (a question and its answer) from this channel’s memory',
      options: { count: { name: 'count', description: 'How many rounds to remove (default 1)' } },
    },
    pin: {
      name: 'pin',
      description: 'Pin messages so trimming never removes them',
      options: { indices: { name: 'indices', description: 'Message indices from /history, e.g. "0 -2 -1" (0 = oldest, -1 = newest)' } },
    },
    unpin: {
      name: 'unpin',
      description: 'Unpin messages so the limit and token budget may trim them again',
      options: { indices: { name: 'indices', description: 'Message indices from /history, e.g. "0 -1" (0 = oldest, -1 = newest)' } },
    },
    limit: {
      name: 'limit',
      description: 'Show or set how many messages this channel’s memory keeps',
      options: {
        messages: {
          name: 'messages',
          description: `Keep at most this many messages (${String(MIN_LIMIT)}–${String(MAX_LIMIT)}); pinned ones are never trimmed`,
        },
      },
    },
    reset: { name: 'reset', description: 'Forget this channel’s conversation (pins too); settings stay', options: {} },
    forge: {
      name: 'forge',
      description: 'Add a made-up message at the end of this channel’s memory, as if it had been said',
      options: {
        role: { name: 'role', description: 'Who the model will think said it' },
        content: { name: 'content', description: 'The message' },
      },
    },
    memory: {
      name: 'memory',
      description: 'Choose how this channel’s memory is kept: message limit, token cap, or a running summary',
      options: {
        mode: { name: 'mode', description: 'window: the message limit; tokens: also a token cap; summary: summarise what leaves' },
        tokens: { name: 'tokens', description: 'tokens mode: the token cap (pins count); summary mode: the recent buffer' },
      },
    },
    export: { name: 'export', description: 'Save this channel’s memory as a file: history, pins, settings (only you see it)', options: {} },
    import: {
      name: 'import',
      description: 'Replace this channel’s memory with a file from /export or a chat-completions messages array',
      options: { file: { name: 'file', description: 'A .json file of at most 8 MB' } },
    },
    settings: { name: 'settings', description: 'Show this channel’s settings, and which are its own (only you see it)', options: {} },
    system: {
      name: 'system',
      description: 'Show or change this channel’s system prompt (its persona)',
      options: {
        show: { name: 'show', description: 'Show the system prompt this channel uses (only you see it)' },
        set: { name: 'set', description: 'Give this channel its own system prompt' },
        reset: { name: 'reset', description: 'Go back to the default system prompt' },
        prompt: { name: 'prompt', description: 'The system prompt; may use {date} {time} {server} {channel} {bot}' },
      },
    },
    model: {
      name: 'model',
      description: 'Show or change the model this channel uses, and its parameters',
      options: {
        show: { name: 'show', description: 'Show the model and parameters this channel uses (only you see it)' },
        set: { name: 'set', description: 'Choose this channel’s model; parameters not given are not sent' },
        reset: { name: 'reset', description: 'Go back to the default model, with no parameters' },
        name: { name: 'name', description: 'The model to use' },
        temperature: { name: 'temperature', description: 'Randomness, 0–2' },
        top_p: { name: 'top_p', description: 'Nucleus sampling, 0–1' },
        max_tokens: { name: 'max_tokens', description: 'Longest reply in tokens' },
        frequency_penalty: { name: 'frequency_penalty', description: 'Penalty for repeated tokens, −2 to 2' },
        presence_penalty: { name: 'presence_penalty', description: 'Penalty for tokens already present, −2 to 2' },
        seed: { name: 'seed', description: 'Seed for repeatable sampling, where the server supports it' },
        reasoning_effort: { name: 'reasoning_effort', description: 'For reasoning models: low, medium or high' },
      },
    },
    listen: {
      name: 'listen',
      description: 'Answer every message in this channel without a mention, or only mentions',
      options: {
        on: { name: 'on', description: 'Answer every message from a person here' },
        off: { name: 'off', description: 'Answer only when mentioned (the default)' },
      },
    },
    retry: { name: 'retry', description: 'Regenerate the last answer (of your question; moderators: of any)', options: {} },
    usage: {
      name: 'usage',
      description: 'Tokens this channel’s completions took, and what they cost (only you see it)',
      options: { scope: { name: 'scope', description: 'This channel, or the whole bot (moderators, or in a DM)' } },
    },
  },
};

// English shorthands, for the terminal and for tests that hold the English wording.
export const COMMAND_FAILED = en.commandFailed;
export { NOT_ADDED };

export function userErrorText(error: UserError): string {
  return renderUserError(en, error);
}

export function modelFailureText(kind: ModelErrorKind, details: ModelErrorDetails): string {
  return renderFailure(en, kind, details);
}

export function answerProblemText(problem: AnswerProblem): string {
  return renderProblem(en, problem);
}
