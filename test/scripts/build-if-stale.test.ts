import { mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDecision, collectInputs, ENTRY, ensureBuilt, readBuildState, STAMP } from '../../scripts/build-if-stale.mjs';
import { tempDir } from '../helpers/temp.js';

const input = (path: string, mtimeMs: number): { path: string; mtimeMs: number } => ({ path, mtimeMs });

describe('buildDecision', () => {
  it.each([
    ['no build has finished', { stampMs: undefined, entryExists: true, inputs: [input('src/app.ts', 1)] }, { stale: true, reason: 'no build has finished yet' }],
    ['the entry point was removed', { stampMs: 100, entryExists: false, inputs: [] }, { stale: true, reason: `${ENTRY} is missing` }],
    ['every input older than the build', { stampMs: 100, entryExists: true, inputs: [input('src', 50), input('src/app.ts', 99)] }, { stale: false }],
    [
      'an input newer: the newest is named',
      { stampMs: 100, entryExists: true, inputs: [input('src/a.ts', 150), input('package.json', 170), input('src/b.ts', 99)] },
      { stale: true, reason: 'package.json changed since the last build' },
    ],
    [
      'an input exactly as old as the build (coarse timestamps)',
      { stampMs: 100, entryExists: true, inputs: [input('commands/pin.ts', 100)] },
      { stale: true, reason: 'commands/pin.ts changed since the last build' },
    ],
    ['nothing to read at all, but a build', { stampMs: 100, entryExists: true, inputs: [] }, { stale: false }],
  ])('%s', (_name, state, decision) => {
    expect(buildDecision(state)).toEqual(decision);
  });
});

describe('on a project folder', () => {
  let dir: ReturnType<typeof tempDir>;
  let compiles = 0;
  /** Stands in for tsc: writes the entry point, as a successful build does. */
  const compile = (): number => {
    compiles++;
    mkdirSync(dirname(join(dir.path, ENTRY)), { recursive: true });
    writeFileSync(join(dir.path, ENTRY), 'export {};\n');
    return 0;
  };
  const past = (seconds: number): Date => new Date(Date.now() - seconds * 1000);
  const write = (path: string, text = 'x', at = past(60)): void => {
    mkdirSync(dirname(join(dir.path, path)), { recursive: true });
    writeFileSync(join(dir.path, path), text);
    utimesSync(join(dir.path, path), at, at);
  };
  /** Folders get their mtime from what happens inside them; set them back so only the test's change counts. */
  const ageFolders = (...paths: string[]): void => {
    for (const path of paths) utimesSync(join(dir.path, path), past(60), past(60));
  };

  beforeEach(() => {
    dir = tempDir();
    compiles = 0;
    write('src/index.ts');
    write('src/domain/session.ts');
    write('commands/pin.ts');
    write('tsconfig.json', '{}');
    write('package.json', '{}');
    ageFolders('src/domain', 'src', 'commands');
  });
  afterEach(() => {
    dir.cleanup();
  });

  it('collects the inputs, folders included, and skips those that do not exist', () => {
    expect(collectInputs(dir.path).map((i) => i.path).sort()).toEqual(
      ['commands', 'commands/pin.ts', 'package.json', 'src', 'src/domain', 'src/domain/session.ts', 'src/index.ts', 'tsconfig.json'].sort(),
    );
  });

  it('a fresh clone builds once; the next start does not', () => {
    expect(ensureBuilt(dir.path, { compile })).toEqual({ built: true, exitCode: 0 });
    expect(readFileSync(join(dir.path, STAMP), 'utf8')).toMatch(/^a build that began at .* succeeded\n$/);
    expect(ensureBuilt(dir.path, { compile })).toEqual({ built: false, exitCode: 0 });
    expect(compiles).toBe(1);
  });

  it('an edited source makes it build again, and says why', () => {
    ensureBuilt(dir.path, { compile });
    write('src/domain/session.ts', 'y', new Date(Date.now() + 1000));
    const said: string[] = [];
    expect(ensureBuilt(dir.path, { compile, say: (line) => said.push(line) }).built).toBe(true);
    expect(said).toEqual(['contextcord: building (src/domain/session.ts changed since the last build)…']);
  });

  it('a removed or renamed source counts, through its folder', () => {
    ensureBuilt(dir.path, { compile });
    const stamp = statSync(join(dir.path, STAMP)).mtime;
    renameSync(join(dir.path, 'commands/pin.ts'), join(dir.path, 'commands/pins.ts'));
    // A rename keeps the file's mtime; only the folder's moves on.
    expect(statSync(join(dir.path, 'commands/pins.ts')).mtimeMs).toBeLessThan(stamp.getTime());
    expect(buildDecision(readBuildState(dir.path))).toEqual({ stale: true, reason: 'commands changed since the last build' });
    rmSync(join(dir.path, 'commands/pins.ts'));
    expect(buildDecision(readBuildState(dir.path)).stale).toBe(true);
  });

  it('a failed build leaves no stamp, so the next start tries again', () => {
    expect(ensureBuilt(dir.path, { compile: () => 2 })).toEqual({ built: false, exitCode: 2 });
    expect(readBuildState(dir.path).stampMs).toBeUndefined();
    expect(ensureBuilt(dir.path, { compile }).built).toBe(true);
  });

  it('--force builds even when nothing changed, without announcing it', () => {
    ensureBuilt(dir.path, { compile });
    const said: string[] = [];
    expect(ensureBuilt(dir.path, { compile, force: true, say: (line) => said.push(line) }).built).toBe(true);
    expect(compiles).toBe(2);
    expect(said).toEqual([]);
  });

  it('stamps the time the build began, so an edit made during the build leaves it stale', () => {
    ensureBuilt(dir.path, {
      compile: () => {
        compile();
        write('src/index.ts', 'edited while compiling', new Date());
        return 0;
      },
    });
    expect(buildDecision(readBuildState(dir.path))).toEqual({ stale: true, reason: 'src/index.ts changed since the last build' });
  });
});
