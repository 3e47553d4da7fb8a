/** How sections hand back what they measured, and how it is printed: Markdown tables. */

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  readonly notes?: readonly string[];
}

export interface TargetCheck {
  readonly name: string;
  readonly actual: number;
  readonly limit: number;
  readonly unit: 'ms' | 'MB' | '×';
  /** The target is a floor (at least `limit`), not a ceiling. */
  readonly atLeast?: boolean;
  readonly met: boolean;
}

export interface SectionResult {
  readonly name: string;
  readonly tables: readonly Table[];
  readonly targets: readonly TargetCheck[];
  /** The figures as numbers, for results.json. */
  readonly data: Record<string, unknown>;
}

export interface BenchOptions {
  /** BENCH_QUICK=1: a smoke run of about 30 s; figures are rough. */
  readonly quick: boolean;
}

/** Checks `actual` against an upper bound. The bound is the target, never adjusted here. */
export function checkTarget(name: string, actual: number, limit: number, unit: TargetCheck['unit']): TargetCheck {
  return { name, actual, limit, unit, met: actual < limit };
}

/** Checks `actual` against a lower bound (a speed-up, a rate): met when it reaches the limit. */
export function checkAtLeast(name: string, actual: number, limit: number, unit: TargetCheck['unit']): TargetCheck {
  return { name, actual, limit, unit, atLeast: true, met: actual >= limit };
}

export function targetText(check: TargetCheck): string {
  const value = (x: number): string => (check.unit === 'ms' ? ms(x) : check.unit === '×' ? ratio(x) : `${x.toFixed(1)} MB`);
  if (check.atLeast === true) {
    return check.met ? `met (≥ ${value(check.limit)})` : `MISSED: ${value(check.actual)} against the ≥ ${value(check.limit)} target`;
  }
  if (check.met) return `met (< ${value(check.limit)})`;
  return `MISSED by ${value(check.actual - check.limit)} (${ratio(check.actual / check.limit)} the < ${value(check.limit)} target)`;
}

export function ms(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  if (x >= 100) return `${x.toFixed(0)} ms`;
  if (x >= 10) return `${x.toFixed(1)} ms`;
  if (x >= 1) return `${x.toFixed(2)} ms`;
  return `${(x * 1000).toFixed(0)} µs`;
}

/** Decimal units throughout (1 MB = 10⁶ bytes), the stricter reading of a "150 MB" target. */
export function bytes(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)} MB`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} kB`;
  return `${x.toFixed(0)} B`;
}

export function ratio(x: number): string {
  if (x >= 100) return `${x.toFixed(0)}×`;
  if (x >= 10) return `${x.toFixed(1)}×`;
  return `${x.toFixed(2)}×`;
}

/** 10000 → "10 000", as the issue writes counts. */
export function count(x: number): string {
  return Math.round(x)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

export function renderTable(table: Table): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const lines = [
    `### ${table.title}`,
    '',
    `| ${table.columns.map(escape).join(' | ')} |`,
    `|${table.columns.map(() => '---').join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ];
  if (table.notes !== undefined && table.notes.length > 0) lines.push('', ...table.notes.map((note) => `- ${note}`));
  return lines.join('\n');
}
