import { parseArgs } from 'node:util';
import type { BackupRefusal, BackupReport } from './backup.js';
import { firstLine } from './migrate-cli.js';
import { printableStoreUrl } from './store-url.js';

export const BACKUP_USAGE = 'usage: npm run backup -- FILE [--force]   (copies the SQLite store STORE_URL names)';

/** Where the README tells how to back up and restore every store. */
export const README_SECTION = 'the README, "Moving and backing up data"';

export interface BackupArguments {
  readonly file: string;
  readonly force: boolean;
}

/** The arguments, or the one line that says what is wrong with them (then the usage). */
export function parseBackupArguments(argv: readonly string[]): BackupArguments | { readonly problem: string } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { force: { type: 'boolean' } }, allowPositionals: true, strict: true });
    const [file, ...extra] = positionals;
    if (file === undefined || file.trim() === '') return { problem: `backup: name the file to write. ${BACKUP_USAGE}` };
    if (extra.length > 0) return { problem: `backup: one FILE only, got ${String(positionals.length)}. ${BACKUP_USAGE}` };
    return { file, force: values.force ?? false };
  } catch (error) {
    return { problem: `backup: ${firstLine(error)}. ${BACKUP_USAGE}` };
  }
}

/** The line a backup ends with, and its exit code. */
export function backupLines(storeUrl: string, result: BackupReport | BackupRefusal): { readonly out: string[]; readonly err: string[]; readonly exitCode: number } {
  if ('kind' in result) return { out: [], err: [refusalLine(storeUrl, result)], exitCode: 1 };
  const out = [
    `backup: ${printableStoreUrl(storeUrl)} copied to ${result.file}: ${count(result.sessions, 'session')}, ${count(result.messages, 'message')}, ${megabytes(result.bytes)}; every session read back from the copy.`,
    `backup: to restore, stop the bot, put the copy in place of ${result.from} and delete the -wal and -shm files beside it (${README_SECTION}).`,
  ];
  const err =
    result.unreadable.length === 0
      ? []
      : [`backup: ${count(result.unreadable.length, 'session')} could not be decoded, in the store as in the copy: ${result.unreadable.slice(0, 20).join(', ')}. The bot sets such a record aside when its channel is next used.`];
  return { out, err, exitCode: 0 };
}

function refusalLine(storeUrl: string, refusal: BackupRefusal): string {
  switch (refusal.kind) {
    case 'not-sqlite':
      return refusal.scheme === 'memory'
        ? 'backup: STORE_URL is memory://, which lives only inside the bot\'s process: there is nothing on disk to back up.'
        : `backup: STORE_URL is ${printableStoreUrl(storeUrl)}: npm run backup copies SQLite stores only. Back up Redis with its RDB snapshots or AOF, PostgreSQL with pg_dump: see ${README_SECTION}.`;
    case 'exists':
      return `backup: ${refusal.file} already exists; nothing was written. Name a new file, or pass --force to replace it.`;
    case 'no-store':
      return `backup: there is no store at ${refusal.file} (STORE_URL=${printableStoreUrl(storeUrl)}); nothing was written. Run it where the bot runs, with the bot's STORE_URL.`;
    case 'same-file':
      return `backup: ${refusal.file} is the store itself; name another file.`;
  }
}

function count(n: number, noun: string): string {
  return `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 2 : 1)} MB`;
}
