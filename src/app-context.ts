import type { Config } from './config.js';
import type { AccessPolicy } from './domain/access.js';
import type { Logger } from './logger.js';
import type { ChatService } from './services/chat-service.js';
import type { SessionService } from './services/session-service.js';

/** Everything a handler needs, passed in explicitly: nothing global. */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly sessions: SessionService;
  readonly chat: ChatService;
  readonly access: AccessPolicy;
  /** Least time between two edits of a streaming reply. */
  readonly editIntervalMs: number;
  /** How long an answer may take to show text before typing is shown. */
  readonly typingDelayMs: number;
}
