/**
 * `npm run migrate -- --from STORE_URL --to STORE_URL [--overwrite]`: copies every session from
 * one store to another, with the bot stopped (see migrate.ts). Exit 0 when every session is on
 * the target exactly, 1 when any could not be copied or verified or the target was refused, 2
 * for bad arguments. Passwords in the URLs are never printed.
 */
import { existsSync } from 'node:fs';
import pino from 'pino';
import { parseStoreUrl } from '../adapters/store/store-url.js';
import type { ChunkedSessionStore } from '../adapters/store/chunked-store.js';
import { openUncachedStore } from '../adapters/store/open-session-store.js';
import { createLogger } from '../logger.js';
import { migrate } from './migrate.js';
import { firstLine, migrationLines, parseMigrateArguments } from './migrate-cli.js';
import { progressBar } from './progress.js';
import { passwordsOf, printableStoreUrl, withoutPasswords } from './store-url.js';

const parsed = parseMigrateArguments(process.argv.slice(2));
if ('problem' in parsed) {
  console.error(parsed.problem);
  process.exit(2);
}
const { from, to, overwrite } = parsed;
const urls = [from, to];
const say = (line: string): void => void process.stdout.write(`${withoutPasswords(line, urls)}\n`);
const complain = (line: string): void => void process.stderr.write(`${withoutPasswords(line, urls)}\n`);
const logger = createLogger({ level: 'warn', secrets: passwordsOf(urls), destination: pino.destination({ dest: 2, sync: true }) });

const opened: ChunkedSessionStore[] = [];
async function open(url: string, role: string, readOnly: boolean): Promise<ChunkedSessionStore> {
  try {
    // No sweep: a migration writes only what it copies.
    const store = await openUncachedStore(url, logger, readOnly ? { readOnly } : { sweepAfterStartMs: Infinity });
    opened.push(store);
    return store;
  } catch (error) {
    const location = parseStoreUrl(url);
    const why = location.kind === 'sqlite' && !existsSync(location.path) ? `there is no file at ${location.path}` : firstLine(error);
    complain(`migrate: cannot open the ${role} ${printableStoreUrl(url)}: ${why}.`);
    for (const store of opened) await store.close();
    process.exit(1);
  }
}

say(`migrate: copying every session from ${printableStoreUrl(from)} to ${printableStoreUrl(to)}${overwrite ? ' (--overwrite)' : ''}`);
const source = await open(from, 'source (--from)', true);
const target = await open(to, 'target (--to)', false);
const targetReader = await open(to, 'target (--to)', true);
const bar = progressBar(process.stderr);
let exitCode = 1;
try {
  const report = await migrate({ source, target, targetReader }, { overwrite, progress: (phase, done, total) => bar.update(phase, done, total) });
  bar.done();
  const lines = migrationLines(report);
  lines.out.forEach(say);
  lines.err.forEach(complain);
  exitCode = lines.exitCode;
} catch (error) {
  bar.done();
  logger.error({ err: error }, 'migration failed');
  complain(`migrate: stopped: ${firstLine(error)}. Sessions already copied stay on the target; a second run goes on from there.`);
} finally {
  for (const store of opened) await store.close();
}
process.exitCode = exitCode;
