import { describe, expect, it } from 'vitest';
import {
  addUsage,
  applyChange,
  exportSession,
  mergeUsage,
  parseImport,
  replaceSession,
  reset,
  storeAnswered,
  sumUsage,
  type UsageEntry,
  type UsageLedger,
  usageReport,
  withdrawUndelivered,
} from '../../src/domain/index.js';
import { usageView } from '../../src/engine/usage-view.js';
import { modelPrice } from '../../src/adapters/model-prices.js';
import { assistant, sessionOf, user, wordTokens } from '../helpers/domain.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 11, 1, 12);
const entry = (over: Partial<UsageEntry> = {}): UsageEntry => ({ model: 'gpt-4o', promptTokens: 100, completionTokens: 20, estimated: false, at: T0, ...over });

function ledgerOf(...entries: UsageEntry[]): UsageLedger {
  let ledger: UsageLedger | undefined;
  for (const e of entries) ledger = addUsage(ledger, e);
  return ledger ?? { days: [], older: [] };
}

describe('the usage ledger', () => {
  it('adds each completion to its day and model, and counts the estimated ones', () => {
    const ledger = ledgerOf(entry(), entry({ promptTokens: 50, completionTokens: 5, estimated: true }), entry({ model: 'llama3', at: T0 + DAY }));
    expect(ledger.days).toEqual([
      { model: 'gpt-4o', day: Math.floor(T0 / DAY), prompt: 150, completion: 25, requests: 2, estimated: 1 },
      { model: 'llama3', day: Math.floor(T0 / DAY) + 1, prompt: 100, completion: 20, requests: 1, estimated: 0 },
    ]);
  });

  it('keeps 30 days by day; older days fold into one all-time bucket per model, so "so far" stays exact', () => {
    const entries = Array.from({ length: 90 }, (_, i) => entry({ at: T0 + i * DAY, promptTokens: i + 1, completionTokens: 1 }));
    const ledger = ledgerOf(...entries);
    expect(ledger.days).toHaveLength(30);
    expect(ledger.older).toEqual([{ model: 'gpt-4o', prompt: (60 * 61) / 2, completion: 60, requests: 60, estimated: 0 }]);
    const now = T0 + 89 * DAY;
    const report = usageReport(ledger, now);
    expect(report.total.get('gpt-4o')).toEqual({ prompt: (90 * 91) / 2, completion: 90, requests: 90, estimated: 0 });
    expect(report.recent.get('gpt-4o')).toEqual({ prompt: (90 * 91) / 2 - (60 * 61) / 2, completion: 30, requests: 30, estimated: 0 });
    // Read later, what has aged out of the window since is no longer "recent", and still counted in the total.
    const later = usageReport(ledger, now + 10 * DAY);
    expect(later.recent.get('gpt-4o')?.requests).toBe(20);
    expect(later.total.get('gpt-4o')?.requests).toBe(90);
    expect(usageReport(ledger, now + 100 * DAY).recent.size).toBe(0);
  });

  it('merges sessions into the bot’s totals', () => {
    const a = ledgerOf(entry(), entry({ model: 'llama3' }));
    const b = ledgerOf(entry({ promptTokens: 1, completionTokens: 1 }));
    const report = usageReport(mergeUsage([a, b]), T0);
    expect(report.total.get('gpt-4o')).toEqual({ prompt: 101, completion: 21, requests: 2, estimated: 0 });
    expect(sumUsage(report.total)).toEqual({ prompt: 201, completion: 41, requests: 3, estimated: 0 });
  });
});

describe('usage in a session', () => {
  const session = sessionOf(user('q'), assistant('a'));

  it('goes with the change that carries it, and stays when the round is withdrawn, memory reset or replaced by an import', () => {
    const stored = storeAnswered(session, [user('q2'), assistant('a2')], 1);
    const counted = applyChange(stored.session, { usage: [entry()] });
    expect(usageReport(counted.usage, T0).total.get('gpt-4o')?.requests).toBe(1);
    const withdrawn = withdrawUndelivered(counted, stored.result).session;
    expect(withdrawn.usage).toEqual(counted.usage);
    expect(reset(withdrawn).session.usage).toEqual(counted.usage);
    const imported = replaceSession(withdrawn, parseImport('[{"role":"user","content":"hi"}]', 0), wordTokens, 100).session;
    expect(imported.usage).toEqual(counted.usage);
    expect(JSON.stringify(exportSession(withdrawn, 0))).not.toContain('usage');
  });
});

describe('usageView', () => {
  it('costs models with a known price, and leaves the sums uncosted when one is not known', () => {
    const price = modelPrice('gpt-4o');
    expect(price).toEqual({ input: expect.any(Number) as number, output: expect.any(Number) as number });
    expect(modelPrice('openai/gpt-4o')).toEqual(price);
    expect(modelPrice('llama3:8b')).toBeUndefined();
    const priced = usageView(ledgerOf(entry({ promptTokens: 1_000_000, completionTokens: 1_000_000 })), T0, 'channel', modelPrice);
    expect(priced.total.cost).toBeCloseTo((price?.input ?? 0) + (price?.output ?? 0));
    expect(priced.unpriced).toEqual([]);
    const mixed = usageView(ledgerOf(entry(), entry({ model: 'llama3:8b', promptTokens: 500 })), T0, 'bot', modelPrice);
    expect(mixed.models.map((m) => m.model)).toEqual(['llama3:8b', 'gpt-4o']);
    expect(mixed.total).toMatchObject({ prompt: 600, completion: 40, requests: 2, cost: undefined });
    expect(mixed.unpriced).toEqual(['llama3:8b']);
    expect(usageView(undefined, T0, 'channel', modelPrice).total.requests).toBe(0);
  });
});
