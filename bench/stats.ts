/** Percentiles and the sampling loop every section uses. Times are milliseconds. */

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** Nearest-rank percentile: the smallest sample with at least `p` of the samples at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, x) => sum + x, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: total / sorted.length,
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export interface SampleOptions {
  /** Untimed runs first, so JIT warm-up and first-touch costs stay out of the figures. */
  readonly warmup: number;
  readonly minSamples: number;
  readonly maxSamples: number;
  /** Stop once this much time was spent sampling and `minSamples` were taken. */
  readonly budgetMs: number;
}

/**
 * Times `run` repeatedly; `run` gets the sample index so it can vary its input. `before`, when
 * given, runs ahead of each `run` untimed (to prepare its input or reset a cache).
 */
export async function sample(
  options: SampleOptions,
  run: (i: number) => Promise<void> | void,
  before?: (i: number) => Promise<void> | void,
): Promise<number[]> {
  for (let i = 0; i < options.warmup; i += 1) {
    await before?.(i);
    await run(i);
  }
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < options.maxSamples; i += 1) {
    if (samples.length >= options.minSamples && performance.now() - started > options.budgetMs) break;
    await before?.(options.warmup + i);
    const t = performance.now();
    await run(options.warmup + i);
    samples.push(performance.now() - t);
  }
  return samples;
}

/**
 * Times two variants in alternation (A, B, A, B…), so drift in the machine (other load, heap
 * growth, thermal) lands on both and their ratio stays fair. `before` runs untimed ahead of each.
 */
export async function sampleAlternating(
  options: SampleOptions,
  a: (i: number) => Promise<void> | void,
  b: (i: number) => Promise<void> | void,
  before?: () => Promise<void> | void,
): Promise<{ a: number[]; b: number[] }> {
  for (let i = 0; i < options.warmup; i += 1) {
    await before?.();
    await a(i);
    await before?.();
    await b(i);
  }
  const out = { a: [] as number[], b: [] as number[] };
  const started = performance.now();
  for (let i = 0; i < options.maxSamples; i += 1) {
    if (out.a.length >= options.minSamples && performance.now() - started > options.budgetMs) break;
    const first = i % 2 === 0;
    for (const [run, into] of first ? ([[a, out.a], [b, out.b]] as const) : ([[b, out.b], [a, out.a]] as const)) {
      await before?.();
      const t = performance.now();
      await run(options.warmup + i);
      into.push(performance.now() - t);
    }
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
