import { describe, expect, it } from 'vitest';
import { MIGRATE_USAGE, parseMigrateArguments } from '../../src/moving/migrate-cli.js';
import { progressBar } from '../../src/moving/progress.js';
import { withoutPasswords } from '../../src/moving/store-url.js';

describe('progressBar', () => {
  it('draws in place on a terminal and clears itself', () => {
    const written: string[] = [];
    const bar = progressBar({ isTTY: true, write: (text) => written.push(text) });
    bar.update('copying', 1, 2);
    bar.update('copying', 2, 2);
    bar.done();
    expect(written).toEqual([
      `\r\x1b[Kcopying [${'#'.repeat(15)}${'.'.repeat(15)}] 1/2`,
      `\r\x1b[Kcopying [${'#'.repeat(30)}] 2/2`,
      '\r\x1b[K',
    ]);
  });

  it('draws nothing when the output is not a terminal', () => {
    const written: string[] = [];
    const bar = progressBar({ isTTY: false, write: (text) => written.push(text) });
    bar.update('copying', 1, 1);
    bar.done();
    expect(written).toEqual([]);
  });

  it('redraws about 200 times in a phase, however many sessions', () => {
    let draws = 0;
    const bar = progressBar({ isTTY: true, write: () => (draws += 1) });
    for (let i = 1; i <= 10_000; i += 1) bar.update('checking', i, 10_000);
    expect(draws).toBe(200);
  });
});

describe('migrate arguments', () => {
  it.each([
    [['--to', 'sqlite://b'], `migrate: --from is missing. ${MIGRATE_USAGE}`],
    [[], `migrate: --from and --to are missing. ${MIGRATE_USAGE}`],
    [['--from', 'sqlite://a.sqlite', '--to', 'sqlite://./a.sqlite'], `migrate: --from and --to name the same store (sqlite://a.sqlite). ${MIGRATE_USAGE}`],
    [['--from', 'sqlite://a', '--to', 'memory://'], `migrate: memory:// lives only inside one process; name a store that lasts. ${MIGRATE_USAGE}`],
    [['--from', 'sqlite://a', '--to', 'mysql://x'], expect.stringMatching(/^migrate: --to: the scheme mysql:\/\/ is not supported: .+ usage: npm run migrate/) as string],
    [['--from', 'sqlite://a', '--to', 'sqlite://b', 'extra'], expect.stringMatching(/^migrate: Unexpected argument 'extra'.+ usage: /) as string],
  ])('%j: %s', (argv, problem) => {
    expect(parseMigrateArguments(argv)).toEqual({ problem });
  });

  it('takes --from, --to and --overwrite', () => {
    expect(parseMigrateArguments(['--from', 'sqlite://a', '--to', 'redis://127.0.0.1:6379/1', '--overwrite'])).toEqual({
      from: 'sqlite://a',
      to: 'redis://127.0.0.1:6379/1',
      overwrite: true,
    });
  });

  it('a password is removed from any line, short or long, spelled in a URL or alone', () => {
    const url = 'postgresql://bot:pw@db:5432/contextcord';
    expect(withoutPasswords(`connect ${url} failed`, [url])).toBe('connect postgresql://bot:***@db:5432/contextcord failed');
    const long = 'redis://:a-long-secret@127.0.0.1:6379/0';
    expect(withoutPasswords('auth a-long-secret refused', [long])).toBe('auth [redacted] refused');
  });
});
