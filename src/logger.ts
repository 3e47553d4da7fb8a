import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { secretRedactor } from './redact.js';

export { SECRET_MIN_CHARS } from './redact.js';

export type { Logger };

/** A destination that may hold lines back, and can be told to write them out (pino's SonicBoom). */
type FlushableStream = DestinationStream & { flush?: (cb: (err?: Error) => void) => void };

/**
 * A destination that removes secrets from every line before it is written, in every form a line
 * can carry them (src/redact.ts). Its flush reaches the target's, so a process about to exit can
 * still write what it logged (pino's logger.flush).
 */
export function redactingStream(target: FlushableStream, secrets: readonly string[]): FlushableStream {
  const redact = secretRedactor(secrets);
  return {
    write(line: string) {
      target.write(redact(line));
    },
    flush(cb) {
      if (target.flush) target.flush(cb);
      else cb();
    },
  };
}

export interface LoggerOptions {
  level: Level | 'silent';
  secrets: readonly string[];
  /** Human-readable lines (a terminal) instead of JSON (a log collector). */
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base: FlushableStream =
    options.destination ??
    (options.pretty === true ? pretty({ colorize: true, sync: true }) : pino.destination({ dest: 1, sync: false }));
  return pino({ level: options.level, base: { app: 'contextcord' } }, redactingStream(base, options.secrets));
}
