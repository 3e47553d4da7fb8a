/**
 * What a session's completions cost in tokens (/usage): kept with the session, per UTC day and
 * model for the last USAGE_DAYS days, and everything older folded into one all-time total per
 * model, so "so far" stays exact while the ledger stays small (at most USAGE_DAYS × models used).
 * Answers, retries and summaries all count; what the server reported is used, and when it sent
 * no usage the bot's own count is, marked estimated.
 */
export const USAGE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** One completion's tokens. */
export interface UsageEntry {
  readonly model: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Counted by the bot: the server sent no usage. */
  readonly estimated: boolean;
  /** When it was made (epoch ms): which day it counts for. */
  readonly at: number;
}

export interface UsageCounts {
  readonly prompt: number;
  readonly completion: number;
  /** Completions counted. */
  readonly requests: number;
  /** Of those, counted by the bot (no usage from the server). */
  readonly estimated: number;
}

export interface UsageBucket extends UsageCounts {
  readonly model: string;
  /** UTC day as days since the epoch; absent on an all-time bucket. */
  readonly day?: number;
}

export interface UsageLedger {
  /** The last USAGE_DAYS days' buckets, one per day and model. */
  readonly days: readonly UsageBucket[];
  /** Everything older, one bucket per model. */
  readonly older: readonly UsageBucket[];
}

export const EMPTY_USAGE: UsageLedger = { days: [], older: [] };

export const NO_USAGE: UsageCounts = { prompt: 0, completion: 0, requests: 0, estimated: 0 };

function dayOf(at: number): number {
  return Math.floor(at / DAY_MS);
}

/** Two counts added up. */
export function plus(a: UsageCounts, b: UsageCounts): UsageCounts {
  return { prompt: a.prompt + b.prompt, completion: a.completion + b.completion, requests: a.requests + b.requests, estimated: a.estimated + b.estimated };
}

function countsOf(entry: UsageEntry): UsageCounts {
  return { prompt: entry.promptTokens, completion: entry.completionTokens, requests: 1, estimated: entry.estimated ? 1 : 0 };
}

/** Adds `counts` to the bucket of `model` (and `day`) in `buckets`, or a new one. */
function addTo(buckets: readonly UsageBucket[], model: string, day: number | undefined, counts: UsageCounts): UsageBucket[] {
  const at = buckets.findIndex((b) => b.model === model && b.day === day);
  const only = plus(NO_USAGE, counts);
  if (at < 0) return [...buckets, { model, ...(day === undefined ? {} : { day }), ...only }];
  return buckets.map((b, i) => (i === at ? { ...b, ...plus(b, only) } : b));
}

/** Moves the day buckets older than the window (as of `now`) into the all-time ones. */
function age(ledger: UsageLedger, now: number): UsageLedger {
  const first = dayOf(now) - USAGE_DAYS + 1;
  let older = ledger.older;
  const days: UsageBucket[] = [];
  for (const bucket of ledger.days) {
    if ((bucket.day ?? first) >= first) days.push(bucket);
    else older = addTo(older, bucket.model, undefined, bucket);
  }
  return days.length === ledger.days.length ? ledger : { days, older };
}

/** The ledger with one more completion counted, aged as of the completion's time. */
export function addUsage(ledger: UsageLedger | undefined, entry: UsageEntry): UsageLedger {
  const aged = age(ledger ?? EMPTY_USAGE, entry.at);
  return { days: addTo(aged.days, entry.model, dayOf(entry.at), countsOf(entry)), older: aged.older };
}

/** The ledgers of several sessions as one (the whole bot's). */
export function mergeUsage(ledgers: Iterable<UsageLedger>): UsageLedger {
  let days: UsageBucket[] = [];
  let older: UsageBucket[] = [];
  for (const ledger of ledgers) {
    for (const b of ledger.days) days = addTo(days, b.model, b.day, b);
    for (const b of ledger.older) older = addTo(older, b.model, undefined, b);
  }
  return { days, older };
}

export interface UsageReport {
  /** Per model, every completion counted. */
  readonly total: ReadonlyMap<string, UsageCounts>;
  /** Per model, the last USAGE_DAYS days (today included), as of `now`. */
  readonly recent: ReadonlyMap<string, UsageCounts>;
}

/** What a ledger says as of `now`: totals so far and for the last USAGE_DAYS days, per model. */
export function usageReport(ledger: UsageLedger | undefined, now: number): UsageReport {
  const aged = age(ledger ?? EMPTY_USAGE, now);
  const total = new Map<string, UsageCounts>();
  const recent = new Map<string, UsageCounts>();
  for (const b of aged.older) total.set(b.model, plus(total.get(b.model) ?? NO_USAGE, b));
  for (const b of aged.days) {
    total.set(b.model, plus(total.get(b.model) ?? NO_USAGE, b));
    recent.set(b.model, plus(recent.get(b.model) ?? NO_USAGE, b));
  }
  return { total, recent };
}

/** Counts summed over every model. */
export function sumUsage(byModel: ReadonlyMap<string, UsageCounts>): UsageCounts {
  let sum = NO_USAGE;
  for (const counts of byModel.values()) sum = plus(sum, counts);
  return sum;
}

/** A model's prices, in US dollars per million tokens. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
}

/** The estimated cost of `counts` at `price`, in US dollars. */
export function costOf(counts: UsageCounts, price: ModelPrice): number {
  return (counts.prompt * price.input + counts.completion * price.output) / 1_000_000;
}

/** Two ledgers holding the same counts. */
export function sameUsage(a: UsageLedger | undefined, b: UsageLedger | undefined): boolean {
  const key = (l: UsageLedger | undefined) => JSON.stringify(l ?? EMPTY_USAGE);
  return key(a) === key(b);
}
