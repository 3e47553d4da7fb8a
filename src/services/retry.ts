/**
 * The retry rules for model requests, kept free of I/O so they can be table-tested: how long to
 * wait before the next attempt, what a server's Retry-After asks for, and what a failure calls for.
 */
import type { ModelErrorKind } from '../engine/chat-model.js';

export interface BackoffOptions {
  /** Wait before the first retry, before jitter. */
  readonly baseMs: number;
  /** Ceiling of the exponential growth. */
  readonly maxMs: number;
  /** A number in [0, 1); injected so tests are deterministic. */
  readonly random: () => number;
  /** What the server asked for (Retry-After); when given it is used as it is. */
  readonly retryAfterMs?: number | undefined;
}

/** Retries take off up to a quarter of the wait at random, so clients that failed together spread out. */
const JITTER = 0.25;

/**
 * How long to wait before retry number `attempt` (0 for the first retry): `baseMs · 2^attempt`,
 * capped at `maxMs`, less up to 25 % jitter. A server's Retry-After wins over the computed wait,
 * since it knows when it will take requests again; capping that wait is the caller's decision.
 */
export function backoffMs(attempt: number, options: BackoffOptions): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`Expected \`attempt\` to be an integer >= 0, got ${String(attempt)}`);
  }
  finiteAtLeastZero('baseMs', options.baseMs);
  finiteAtLeastZero('maxMs', options.maxMs);
  if (options.retryAfterMs !== undefined) {
    finiteAtLeastZero('retryAfterMs', options.retryAfterMs);
    return Math.ceil(options.retryAfterMs);
  }
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
  const r = Math.min(Math.max(options.random(), 0), 1);
  return Math.round(exponential * (1 - JITTER * r));
}

/**
 * A Retry-After value in milliseconds: delay-seconds (fractions allowed, as some servers send
 * them) or an HTTP date, measured from `now`. A date in the past means 0; anything else that
 * is not one of the two forms means undefined (the header is then ignored).
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // HTTP dates always name a weekday and GMT; requiring both keeps Date.parse from guessing at junk.
  if (!/^[A-Za-z]{3},.*GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** `retry-after-ms` (OpenAI's more precise header) when present and valid, else `retry-after`. */
export function retryAfterFromHeaders(headers: { get(name: string): string | null } | undefined, now: number): number | undefined {
  if (headers === undefined) return undefined;
  const ms = headers.get('retry-after-ms')?.trim() ?? '';
  if (/^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  return parseRetryAfter(headers.get('retry-after'), now);
}

/** What a failed attempt tells us, beyond the kind of failure. */
export interface FaultFacts {
  /** The HTTP status, when the server answered with one. */
  readonly status?: number | undefined;
  /** The server's `x-should-retry` header, which overrides the status-based rule (as in the OpenAI SDK). */
  readonly shouldRetry?: boolean | undefined;
}

/**
 * - `fail`: retrying cannot help, or would change text people already saw.
 * - `drop_key`: the key was refused (401/403); take it out of the pool and try another.
 * - `next_key`: the key is rate limited; let it cool down and try another (or wait for one).
 * - `backoff`: a transient fault (5xx, 408, 409, connection reset, timeout); wait and retry.
 */
export type RetryDecision = 'fail' | 'drop_key' | 'next_key' | 'backoff';

export function retryDecision(kind: ModelErrorKind, facts: FaultFacts = {}): RetryDecision {
  switch (kind) {
    case 'interrupted':
    case 'aborted':
      return 'fail';
    case 'auth':
      return 'drop_key';
    case 'rate_limited':
      return facts.shouldRetry === false ? 'fail' : 'next_key';
    default:
      break;
  }
  if (facts.shouldRetry !== undefined) return facts.shouldRetry ? 'backoff' : 'fail';
  if (kind === 'timeout') return 'backoff';
  if (kind !== 'unavailable') return 'fail';
  const status = facts.status;
  // No status: the connection failed, or the stream carried an error event before any text.
  if (status === undefined || status === 408 || status === 409 || status >= 500) return 'backoff';
  return 'fail';
}

function finiteAtLeastZero(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`Expected \`${name}\` to be a finite number >= 0, got ${String(value)}`);
  }
}
