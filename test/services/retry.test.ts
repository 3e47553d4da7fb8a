import { describe, expect, it } from 'vitest';
import type { ModelErrorKind } from '../../src/engine/chat-model.js';
import { backoffMs, parseRetryAfter, type RetryDecision, retryAfterFromHeaders, retryDecision } from '../../src/services/retry.js';

describe('backoffMs', () => {
  const base = { baseMs: 500, maxMs: 8000 };

  it.each([
    // attempt, random, expected: 500 · 2^attempt capped at 8000, less random · 25 %
    [0, 0, 500],
    [1, 0, 1000],
    [2, 0, 2000],
    [3, 0, 4000],
    [4, 0, 8000],
    [10, 0, 8000],
    [0, 0.5, 438],
    [2, 0.999, 1501],
    [10, 1, 6000],
  ])('attempt %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(backoffMs(attempt, { ...base, random: () => random })).toBe(expected);
  });

  it.each([
    [0, 2000, 2000],
    [3, 0, 0],
    [0, 30_000, 30_000],
    [0, 1.2, 2],
  ])('attempt %i with Retry-After %f ms waits exactly that (%i), without jitter', (attempt, retryAfterMs, expected) => {
    expect(backoffMs(attempt, { ...base, random: () => 0.9, retryAfterMs })).toBe(expected);
  });

  it.each([
    [-1, base, /`attempt` to be an integer >= 0, got -1/],
    [0.5, base, /`attempt` to be an integer >= 0, got 0.5/],
    [0, { baseMs: -1, maxMs: 1 }, /`baseMs` to be a finite number >= 0, got -1/],
    [0, { baseMs: 1, maxMs: Number.NaN }, /`maxMs` to be a finite number >= 0, got NaN/],
  ])('refuses attempt %j with %j, saying what is allowed', (attempt, options, message) => {
    expect(() => backoffMs(attempt, { ...options, random: () => 0 })).toThrow(message);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

  it.each([
    ['0', 0],
    ['1', 1000],
    ['120', 120_000],
    [' 7 ', 7000],
    ['1.5', 1500],
    ['0.001', 1],
    ['Wed, 21 Oct 2015 07:28:30 GMT', 30_000],
    ['Wed, 21 Oct 2015 08:28:00 GMT', 3_600_000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
  ])('%j → %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it.each([undefined, null, '', '  ', '-1', '1e3', '+5', 'soon', '5s', '2015-10-21T07:28:30Z', 'Wed, 99 Foo 2015 07:28:30 GMT'])(
    '%j is ignored',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});

describe('retryAfterFromHeaders', () => {
  const headers = (entries: Record<string, string>) => new Headers(entries);

  it.each([
    [{ 'retry-after-ms': '1500', 'retry-after': '2' }, 1500],
    [{ 'retry-after-ms': '12.3' }, 13],
    [{ 'retry-after-ms': 'junk', 'retry-after': '2' }, 2000],
    [{ 'retry-after': '3' }, 3000],
    [{}, undefined],
  ])('%j → %j ms', (entries, expected) => {
    expect(retryAfterFromHeaders(headers(entries), 0)).toBe(expected);
  });

  it('is undefined without headers', () => {
    expect(retryAfterFromHeaders(undefined, 0)).toBeUndefined();
  });
});

describe('retryDecision', () => {
  it.each<[ModelErrorKind, { status?: number; shouldRetry?: boolean }, RetryDecision]>([
    ['rate_limited', { status: 429 }, 'next_key'],
    ['rate_limited', { status: 429, shouldRetry: false }, 'fail'],
    ['auth', { status: 401 }, 'drop_key'],
    ['auth', { status: 403 }, 'drop_key'],
    ['unavailable', { status: 500 }, 'backoff'],
    ['unavailable', { status: 502 }, 'backoff'],
    ['unavailable', { status: 503 }, 'backoff'],
    ['unavailable', { status: 408 }, 'backoff'],
    ['unavailable', { status: 409 }, 'backoff'],
    ['unavailable', {}, 'backoff'],
    ['unavailable', { status: 500, shouldRetry: false }, 'fail'],
    ['unavailable', { status: 418 }, 'fail'],
    ['unavailable', { status: 418, shouldRetry: true }, 'backoff'],
    ['timeout', {}, 'backoff'],
    ['interrupted', {}, 'fail'],
    ['interrupted', { status: 500, shouldRetry: true }, 'fail'],
    ['aborted', {}, 'fail'],
    ['context_length', { status: 400 }, 'fail'],
    ['bad_request', { status: 404 }, 'fail'],
  ])('%s %j → %s', (kind, facts, expected) => {
    expect(retryDecision(kind, facts)).toBe(expected);
  });
});
