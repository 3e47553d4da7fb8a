/**
 * `npm run backup -- FILE [--force]`: a consistent copy of the SQLite store STORE_URL names
 * (from the environment or .env, as the bot reads it), safe while the bot runs (see backup.ts).
 * Exit 0 when the copy is in place, 1 when it was refused or failed (nothing written), 2 for bad
 * arguments.
 */
import pino from 'pino';
import { loadStoreConfig } from '../config.js';
import { configOrExit } from '../entry-config.js';
import { createLogger } from '../logger.js';
import { backup } from './backup.js';
import { backupLines, parseBackupArguments } from './backup-cli.js';
import { firstLine } from './migrate-cli.js';
import { progressBar } from './progress.js';
import { passwordsOf, printableStoreUrl, withoutPasswords } from './store-url.js';

const parsed = parseBackupArguments(process.argv.slice(2));
if ('problem' in parsed) {
  console.error(parsed.problem);
  process.exit(2);
}
const config = configOrExit(loadStoreConfig);
const storeUrl = config.STORE_URL;
const clean = (line: string): string => withoutPasswords(line, [storeUrl]);
const logger = createLogger({ level: 'warn', secrets: passwordsOf([storeUrl]), destination: pino.destination({ dest: 2, sync: true }) });
const bar = progressBar(process.stderr);
try {
  const result = await backup(storeUrl, parsed.file, { force: parsed.force, logger, progress: (done, total) => bar.update('checking the copy', done, total) });
  bar.done();
  const lines = backupLines(storeUrl, result);
  for (const line of lines.out) process.stdout.write(`${clean(line)}\n`);
  for (const line of lines.err) process.stderr.write(`${clean(line)}\n`);
  process.exitCode = lines.exitCode;
} catch (error) {
  bar.done();
  logger.debug({ err: error }, 'backup failed');
  process.stderr.write(`${clean(`backup: could not copy ${printableStoreUrl(storeUrl)}: ${firstLine(error)}. Nothing was written.`)}\n`);
  process.exitCode = 1;
}
