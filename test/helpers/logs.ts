import pino, { type Logger } from 'pino';
import { createLogger } from '../../src/logger.js';

export interface CapturedLogs {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  text(): string;
}

/** A real pino logger whose JSON lines are kept in memory for assertions. */
export function captureLogs(level: pino.Level = 'debug'): CapturedLogs {
  const raw: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines, text: () => raw.join('') };
}

/** The bot's own logger (secrets redacted), writing into memory. */
export function captureAppLogs(secrets: readonly string[]): CapturedLogs {
  const raw: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    secrets,
    destination: {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  return { logger, lines, text: () => raw.join('') };
}
