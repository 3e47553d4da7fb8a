import type { Context, DraftMessage, ResolvedSettings } from '../domain/index.js';
import type { Memory } from './memory.js';

export interface ContextRequest {
  readonly key: string;
  readonly question: DraftMessage;
  /** Images for the question only. */
  readonly images: readonly string[];
  /** A smaller budget than the session's, for a server whose window is smaller than configured. */
  readonly budget?: number | undefined;
  /** Fills the system prompt's placeholders for this request. */
  readonly fillSystemPrompt?: ((template: string) => string) | undefined;
  /** A retry: only the history before this seq (its round's question) goes with the question. */
  readonly before?: number | undefined;
}

/**
 * How a session's memory becomes the messages of a completion. Memory modes (the message window,
 * a token buffer, a running summary) are strategies; the engine calls whichever the session uses.
 */
export interface ContextStrategy {
  build(memory: Memory, request: ContextRequest): Promise<{ context: Context; settings: ResolvedSettings }>;
}

/**
 * Today's memory: the history within the session's message limit (applied at commit), then cut
 * to the token budget oldest unpinned first (buildContext).
 */
export const windowStrategy: ContextStrategy = {
  build: (memory, request) => memory.context(request.key, request.question, { budget: request.budget, images: request.images, fillSystemPrompt: request.fillSystemPrompt, before: request.before }),
};
