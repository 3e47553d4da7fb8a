import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSessionStore } from '../../src/adapters/store/open-session-store.js';
import { Memory } from '../../src/engine/memory.js';
import { BACKUP_USAGE } from '../../src/moving/backup-cli.js';
import { MIGRATE_USAGE } from '../../src/moving/migrate-cli.js';
import { BACKUP_ENTRY, MIGRATE_ENTRY, startBotProcess } from '../helpers/bot-process.js';
import { assistant, testRules, user } from '../helpers/domain.js';
import { captureLogs } from '../helpers/logs.js';
import { tempDir } from '../helpers/temp.js';

const PASSWORD = 'sekret-pass-word';

async function run(script: string, args: readonly string[], cwd: string, env: Record<string, string> = {}) {
  const child = startBotProcess(env, cwd, script, { args });
  const code = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

async function fill(url: string): Promise<void> {
  const store = await openSessionStore(url, captureLogs().logger);
  const memory = new Memory(store, { limit: 100, systemPrompt: 'sys', model: 'm', tokenBudget: 10_000 }, testRules());
  await memory.commitRound('c1', [user('q1'), assistant('a1')]);
  await memory.commitRound('c2', [user('q2'), assistant('a2')]);
  await store.close();
}

describe('the migrate and backup commands, as processes', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('migrate: bad arguments are one usage line and exit 2; a copy, then a second run that changes nothing; a password never shows', async () => {
    const bad = await run(MIGRATE_ENTRY, ['--from', 'sqlite://a.sqlite'], dir.path);
    expect(bad).toEqual({ code: 2, stdout: '', stderr: `migrate: --to is missing. ${MIGRATE_USAGE}\n` });

    await fill(`sqlite://${join(dir.path, 'old.sqlite')}`);
    const args = ['--from', 'sqlite://old.sqlite', '--to', 'sqlite://new/contextcord.sqlite'];
    const first = await run(MIGRATE_ENTRY, args, dir.path);
    expect(first).toEqual({
      code: 0,
      stdout:
        'migrate: copying every session from sqlite://old.sqlite to sqlite://new/contextcord.sqlite\n' +
        'migrate: 2 sessions in the source: 2 copied, 0 already on the target; 2 verified.\n',
      stderr: '',
    });
    const again = await run(MIGRATE_ENTRY, args, dir.path);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('migrate: 2 sessions in the source, all already on the target exactly: nothing changed; 2 verified.\n');

    // Nothing listens on port 1: the target cannot be opened, and its password is not printed.
    const refused = await run(MIGRATE_ENTRY, ['--from', 'sqlite://old.sqlite', '--to', `redis://:${PASSWORD}@127.0.0.1:1/0`], dir.path);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^migrate: cannot open the target \(--to\) redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0: .+\.\n$/);
    expect(refused.stdout + refused.stderr).not.toContain(PASSWORD);
  });

  it('backup: writes the copy and says how to restore it; refuses an existing file, a Redis store (pointing to the README) and no FILE', async () => {
    await fill(`sqlite://${join(dir.path, 'data', 'contextcord.sqlite')}`);
    const env = { STORE_URL: 'sqlite://data/contextcord.sqlite' };
    const made = await run(BACKUP_ENTRY, ['backups/monday.sqlite'], dir.path, env);
    expect(made.code).toBe(0);
    expect(made.stderr).toBe('');
    const lines = made.stdout.split('\n');
    expect(lines[0]).toMatch(/^backup: sqlite:\/\/data\/contextcord\.sqlite copied to .+\/backups\/monday\.sqlite: 2 sessions, 4 messages, 0\.\d\d MB; every session read back from the copy\.$/);
    expect(lines[1]).toMatch(/^backup: to restore, stop the bot, put the copy in place of .+\/data\/contextcord\.sqlite and delete the -wal and -shm files beside it/);
    expect(existsSync(join(dir.path, 'backups', 'monday.sqlite'))).toBe(true);

    const taken = await run(BACKUP_ENTRY, ['backups/monday.sqlite'], dir.path, env);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/already exists; nothing was written\. Name a new file, or pass --force to replace it\.\n$/);
    expect((await run(BACKUP_ENTRY, ['backups/monday.sqlite', '--force'], dir.path, env)).code).toBe(0);

    const redis = await run(BACKUP_ENTRY, ['x.sqlite'], dir.path, { STORE_URL: `redis://:${PASSWORD}@127.0.0.1:6379/0` });
    expect(redis.code).toBe(1);
    expect(redis.stderr).toContain('npm run backup copies SQLite stores only. Back up Redis with its RDB snapshots or AOF, PostgreSQL with pg_dump: see the README, "Moving and backing up data".');
    expect(redis.stdout + redis.stderr).not.toContain(PASSWORD);

    expect(await run(BACKUP_ENTRY, [], dir.path, env)).toEqual({ code: 2, stdout: '', stderr: `backup: name the file to write. ${BACKUP_USAGE}\n` });
  });
});
