import pino, { type Logger } from 'pino';
import { createLogger, SECRET_MIN_CHARS } from '../../src/logger.js';

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

/** Undoes JSON string escapes wherever they are in `text`. */
function unescapeJson(text: string): string {
  const named: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  return text.replace(/\\(u[0-9a-fA-F]{4}|["\\/bfnrt])/g, (_, e: string) =>
    e.startsWith('u') ? String.fromCharCode(parseInt(e.slice(1), 16)) : (named[e] ?? e),
  );
}

function urlDecoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Every reading of a JSON log line a person or a log search could make: raw, parsed, then unescaped and URL-decoded, repeatedly. */
function readings(line: string): string[] {
  const found = new Set([line]);
  const strings = (value: unknown): void => {
    if (typeof value === 'string') found.add(value);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(strings);
  };
  strings(JSON.parse(line));
  for (let round = 0; round < 3; round += 1) {
    for (const text of [...found]) {
      found.add(unescapeJson(text));
      found.add(urlDecoded(text));
    }
  }
  return [...found];
}

/**
 * The first reading of a log line that shows SECRET_MIN_CHARS characters of `secret` in a row
 * (as given, or with non-ASCII turned into U+FFFD as a UTF-8 decoder of a header would), if any.
 */
export function secretShown(logText: string, secret: string): string | undefined {
  const windows = new Set<string>();
  for (const spelled of [secret, secret.replace(/\P{ASCII}/gu, '\uFFFD')]) {
    for (let at = 0; at + SECRET_MIN_CHARS <= spelled.length; at += 1) windows.add(spelled.slice(at, at + SECRET_MIN_CHARS));
  }
  for (const line of logText.split('\n')) {
    if (line.trim() === '') continue;
    for (const reading of readings(line)) if ([...windows].some((w) => reading.includes(w))) return reading;
  }
  return undefined;
}
