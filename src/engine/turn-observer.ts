import type { AnswerOutcome } from './engine.js';

/**
 * What the engine reports about its turns, for metrics. The engine calls it and knows nothing of
 * where the figures go; every method is cheap and never throws (an adapter that fails to record
 * must not fail an answer). Times are milliseconds since the question reached the engine, so they
 * include waiting behind earlier questions in the same session and for a completion slot.
 */
export interface TurnObserver {
  /** A question's turn ended so (every question asked, refused ones included). */
  answered(outcome: AnswerOutcome): void;
  /** The model's first text for the answer arrived. */
  firstText(ms: number): void;
  /** The whole answer was delivered to the asker. */
  finished(ms: number): void;
  /** A completion produced an answer: the prompt tokens it was sent, the reply's tokens. */
  tokens(prompt: number, reply: number): void;
}

export const NO_OBSERVER: TurnObserver = {
  answered: () => undefined,
  firstText: () => undefined,
  finished: () => undefined,
  tokens: () => undefined,
};
