import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * A destination that removes secrets from every line before it is written, whatever field or
 * error message they hide in. Only secrets of a useful length are replaced, so a short value
 * cannot blank out ordinary words.
 */
export function redactingStream(target: DestinationStream, secrets: readonly string[]): DestinationStream {
  const patterns = secrets.filter((s) => s.length >= 8);
  return {
    write(line: string) {
      let clean = line;
      for (const secret of patterns) clean = clean.split(secret).join('[redacted]');
      target.write(clean);
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
  const base: DestinationStream =
    options.destination ??
    (options.pretty === true ? pretty({ colorize: true, sync: true }) : pino.destination({ dest: 1, sync: false }));
  return pino({ level: options.level, base: { app: 'contextcord' } }, redactingStream(base, options.secrets));
}
