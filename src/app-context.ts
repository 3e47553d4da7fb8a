import type { Config } from './config.js';
import type { ImportedSession } from './domain/portable.js';
import type { Confirmations } from './engine/confirmations.js';
import type { Engine } from './engine/engine.js';
import type { Logger } from './logger.js';

/** Everything a Discord handler needs, passed in explicitly: nothing global. */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  /** The conversation engine: questions, and memory (engine.memory) for commands. */
  readonly engine: Engine;
  /** Least time between two edits of a streaming reply. */
  readonly editIntervalMs: number;
  /** How long an answer may take to show text before typing is shown. */
  readonly typingDelayMs: number;
  /** How long a command may take before it is acknowledged with a "thinking" state (Discord allows 3 s). */
  readonly commandDeferMs: number;
  /** Imports waiting for their confirmation button (their file is already read and checked). */
  readonly imports: Confirmations<PendingImport>;
}

/** An /import that would replace a memory that is not empty, until its owner answers. */
export interface PendingImport {
  /** The session it replaces. */
  readonly key: string;
  readonly imported: ImportedSession;
}
