import { type ModelPrice, costOf, NO_USAGE, plus, type UsageCounts, type UsageLedger, usageReport, USAGE_DAYS } from '../domain/usage.js';

/** Counts, with their estimated cost in US dollars when every model in them has a known price. */
export interface CostedCounts extends UsageCounts {
  readonly cost: number | undefined;
}

/** What /usage shows, for a presenter to lay out. */
export interface UsageView {
  readonly scope: 'channel' | 'bot';
  readonly days: number;
  readonly total: CostedCounts;
  readonly recent: CostedCounts;
  /** Per model, most tokens first. */
  readonly models: ReadonlyArray<{ readonly model: string; readonly total: CostedCounts; readonly recent: CostedCounts }>;
  /** Models used whose price is not known (no cost is shown for them, nor for the sums). */
  readonly unpriced: readonly string[];
}

/**
 * The usage of a ledger as of `now`, costed with `priceOf` (undefined for a model whose price is
 * not known: then the sums carry no cost either, as a partial sum would understate it).
 */
export function usageView(ledger: UsageLedger | undefined, now: number, scope: UsageView['scope'], priceOf: (model: string) => ModelPrice | undefined): UsageView {
  const report = usageReport(ledger, now);
  const models = [...report.total.entries()]
    .map(([model, total]) => {
      const price = priceOf(model);
      const recent = report.recent.get(model) ?? NO_USAGE;
      return { model, total: costed(total, price), recent: costed(recent, price) };
    })
    .sort((a, b) => b.total.prompt + b.total.completion - (a.total.prompt + a.total.completion) || a.model.localeCompare(b.model));
  const unpriced = models.filter((m) => m.total.cost === undefined).map((m) => m.model);
  const sum = (pick: (m: (typeof models)[number]) => CostedCounts): CostedCounts => {
    let counts: UsageCounts = NO_USAGE;
    let cost: number | undefined = 0;
    for (const m of models) {
      const c = pick(m);
      counts = plus(counts, c);
      cost = cost === undefined || c.cost === undefined ? undefined : cost + c.cost;
    }
    return { ...counts, cost };
  };
  return { scope, days: USAGE_DAYS, total: sum((m) => m.total), recent: sum((m) => m.recent), models, unpriced };
}

function costed(counts: UsageCounts, price: ModelPrice | undefined): CostedCounts {
  return { ...counts, cost: price === undefined ? undefined : costOf(counts, price) };
}
