/**
 * The English words for every code the engine and the domain return: one catalogue that every
 * surface's presenter draws on (a second language is a second catalogue of the same shape).
 * Plain text with `code` spans, which Discord and a terminal both show well; markup beyond that
 * (emoji, bold, small print) is the Discord presenter's.
 */
import type { UserError, UserErrorCode, UserErrorDetails } from '../domain/errors.js';
import type { ModelErrorDetails, ModelErrorKind } from '../engine/chat-model.js';
import type { AnswerProblem } from '../engine/problems.js';

export function plural(count: number, word: string): string {
  return `${String(count)} ${word}${count === 1 ? '' : 's'}`;
}

const INDICES_HELP = '(0 is the oldest message, -1 the newest)';
export const NOT_ADDED = 'Your message was not added to memory.';

type Explain = { [C in UserErrorCode]: (details: UserErrorDetails[C]) => string };

const USER_ERRORS: Explain = {
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
  unknown_command: ({ name }) => `I don't know the command /${name}; it may be from an older version of the bot.`,
};

export function userErrorText(error: UserError): string {
  const explain = USER_ERRORS[error.code] as (details: UserErrorDetails[UserErrorCode]) => string;
  return explain(error.details);
}

const MODEL_FAILURES: Record<ModelErrorKind, (details: ModelErrorDetails) => string> = {
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
};

function waitText(waitMs: number): string {
  const seconds = Math.ceil(waitMs / 1000);
  return seconds >= 120 ? `${String(Math.ceil(seconds / 60))} minutes` : `${String(seconds)} seconds`;
}

/** What went wrong with the model, with the retries' outcome: "… Gave up after 3 tries." */
export function modelFailureText(kind: ModelErrorKind, details: ModelErrorDetails): string {
  const parts = [MODEL_FAILURES[kind](details)];
  if (details.attempts !== undefined) parts.push(`Gave up after ${String(details.attempts)} ${details.attempts === 1 ? 'try' : 'tries'}.`);
  if (details.waitMs !== undefined) parts.push(`It asks to wait ${waitText(details.waitMs)}; please try again later.`);
  return parts.join(' ');
}

/** Why a question got no answer kept in memory: always says that nothing was added. */
export function answerProblemText(problem: AnswerProblem): string {
  switch (problem.code) {
    case 'rate_limited':
      return `You're asking faster than I answer (at most ${String(problem.limit)} questions a minute). Try again in ${String(Math.ceil(problem.retryAfterMs / 1000))} s; until then I won't answer you, and what you send is not added to memory.`;
    case 'refused':
      return userErrorText(problem.error);
    case 'model_failed':
      return `${modelFailureText(problem.kind, problem.details)} ${NOT_ADDED}`;
    case 'empty_answer':
      return `The model returned an empty answer. ${NOT_ADDED}`;
    case 'not_stored':
      return 'This answer could not be added to memory: another copy of the bot kept changing it at the same moment. Ask again if it matters.';
    case 'internal':
      return `Something went wrong on my side. ${NOT_ADDED}`;
    case 'store_unavailable':
      return `I cannot store memory right now: the bot's database is unavailable. ${NOT_ADDED} The bot's operator can see why in its logs.`;
    case 'cancelled':
      return `This answer was cancelled by /${problem.by} while it was being written. ${NOT_ADDED}`;
    case 'restarting':
      return problem.interrupted
        ? `This answer was interrupted because the bot is restarting. ${NOT_ADDED} Please ask again in a moment.`
        : `I'm restarting, so I did not get to this. ${NOT_ADDED} Please ask again in a moment.`;
  }
}

export const NOT_ENABLED = 'contextcord is not enabled here.';
export const COMMAND_FAILED = 'Something went wrong on my side, so nothing was changed. The error was logged; please try again.';
export const STORE_UNAVAILABLE =
  "I cannot store memory right now: the bot's database is unavailable, so nothing was changed. The bot's operator can see why in its logs.";
export const MEMORY_BUSY = 'Memory of this channel was being changed by another copy of the bot at the same moment, so nothing was changed. Please try again.';

/** Said with a /reset or /rollback result when it cut off an answer being written. */
export function answerCancelledText(by: 'reset' | 'rollback'): string {
  return `The answer being written in this channel was cancelled by /${by} and not added to memory.`;
}

/** Said under /history while an answer is being written: it is not in memory until it is complete. */
export function answeringText(authorName: string): string {
  return `Answering ${authorName} now: that round is added to memory when the answer is complete.`;
}
