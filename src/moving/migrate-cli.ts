import { parseArgs } from 'node:util';
import { parseStoreUrl } from '../adapters/store/store-url.js';
import type { MigrationReport, SessionProblem } from './migrate.js';
import { printableStoreUrl, sameStore } from './store-url.js';

export const MIGRATE_USAGE = 'usage: npm run migrate -- --from STORE_URL --to STORE_URL [--overwrite]';

export interface MigrateArguments {
  readonly from: string;
  readonly to: string;
  readonly overwrite: boolean;
}

/** The arguments, or the one line that says what is wrong with them (then the usage). */
export function parseMigrateArguments(argv: readonly string[]): MigrateArguments | { readonly problem: string } {
  let values: { from?: string | undefined; to?: string | undefined; overwrite?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { from: { type: 'string' }, to: { type: 'string' }, overwrite: { type: 'boolean' } },
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    return { problem: `migrate: ${firstLine(error)}. ${MIGRATE_USAGE}` };
  }
  const from = values.from?.trim() ?? '';
  const to = values.to?.trim() ?? '';
  const missing = [from === '' ? '--from' : undefined, to === '' ? '--to' : undefined].filter((name) => name !== undefined);
  if (missing.length > 0) return { problem: `migrate: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing. ${MIGRATE_USAGE}` };
  for (const [option, url] of [['--from', from], ['--to', to]] as const) {
    if (url === 'memory://') return { problem: `migrate: memory:// lives only inside one process; name a store that lasts. ${MIGRATE_USAGE}` };
    try {
      parseStoreUrl(url);
    } catch (error) {
      // StoreUrlError never carries the password.
      return { problem: `migrate: ${option}: ${firstLine(error)}. ${MIGRATE_USAGE}` };
    }
  }
  if (sameStore(from, to)) return { problem: `migrate: --from and --to name the same store (${printableStoreUrl(from)}). ${MIGRATE_USAGE}` };
  return { from, to, overwrite: values.overwrite ?? false };
}

/** Names listed in one line at most; the rest are counted. */
const LISTED = 20;

/** What a finished migration says: result lines for stdout, problem lines for stderr, and the exit code. */
export function migrationLines(report: MigrationReport): { readonly out: string[]; readonly err: string[]; readonly exitCode: number } {
  const err = report.problems.map(problemLine);
  if (report.refused.length > 0) {
    err.push(
      `migrate: the target already holds different data for ${sessions(report.refused.length)}: ${listed(report.refused)}. ` +
        'Nothing was written; run again with --overwrite to replace them with the source\'s.',
    );
    return { out: [], err, exitCode: 1 };
  }
  const out: string[] = [];
  if (report.sessions === 0) out.push('migrate: the source holds no sessions; nothing to copy.');
  else if (report.copied === 0 && report.problems.length === 0) {
    out.push(`migrate: ${sessions(report.sessions)} in the source, all already on the target exactly: nothing changed; ${String(report.verified)} verified.`);
  } else {
    const replaced = report.replaced > 0 ? ` (${String(report.replaced)} of them replacing different data)` : '';
    out.push(
      `migrate: ${sessions(report.sessions)} in the source: ${String(report.copied)} copied${replaced}, ${String(report.identical)} already on the target; ${String(report.verified)} verified.`,
    );
  }
  if (report.problems.length > 0) err.push(`migrate: ${sessions(report.problems.length)} not copied or not verified (above).`);
  return { out, err, exitCode: report.problems.length > 0 ? 1 : 0 };
}

function problemLine(problem: SessionProblem): string {
  switch (problem.kind) {
    case 'unreadable':
      return `migrate: session ${problem.key} cannot be read from the source (${problem.reason}); it was not copied and stays in the source.`;
    case 'target-changed':
      return `migrate: session ${problem.key} changed on the target while migrating (is a bot running on it?); not copied.`;
    case 'mismatch':
      return `migrate: session ${problem.key} failed verification: read back from the target, it is not what the source holds.`;
    case 'failed':
      return `migrate: session ${problem.key} could not be copied: ${firstLine(problem.error)}.`;
  }
}

function sessions(n: number): string {
  return n === 1 ? '1 session' : `${String(n)} sessions`;
}

function listed(keys: readonly string[]): string {
  const shown = keys.slice(0, LISTED).join(', ');
  return keys.length > LISTED ? `${shown} and ${String(keys.length - LISTED)} more` : shown;
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').replace(/\.$/, '');
}
