// @ts-check
/**
 * Compiles the bot only when its build is stale, so `npm start` (which runs this first) starts in
 * about a second instead of spending 8–16 s in tsc every time. A fresh clone has no build yet, so
 * its first start builds. With --force it always builds (`npm run build`).
 *
 * Stale means: no build has finished yet, the entry point is missing, or something the build reads
 * changed since the last one began. Folders count too: removing or renaming a file changes its
 * folder's mtime but no file's. Plain JavaScript, because it must run before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
// Imported rather than global, so the linter's JavaScript rules know them too.
import console from 'node:console';
import process from 'node:process';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';

/** What the build reads, relative to the project: folders are walked. */
export const BUILD_INPUTS = ['src', 'commands', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
/** Written when a build succeeds; its mtime is when that build began. */
export const STAMP = join('dist', '.build-stamp');
/** What `npm start` runs. */
export const ENTRY = join('dist', 'src', 'index.js');

/**
 * @typedef {{ readonly path: string, readonly mtimeMs: number }} Input
 * @typedef {{ readonly stampMs: number | undefined, readonly entryExists: boolean, readonly inputs: readonly Input[] }} BuildState
 * @typedef {{ readonly stale: false } | { readonly stale: true, readonly reason: string }} BuildDecision
 */

/**
 * Whether to build, and why. An input exactly as old as the stamp counts as changed: file systems
 * with coarse timestamps round an edit just before the last build began to the same value.
 * @param {BuildState} state
 * @returns {BuildDecision}
 */
export function buildDecision(state) {
  if (state.stampMs === undefined) return { stale: true, reason: 'no build has finished yet' };
  if (!state.entryExists) return { stale: true, reason: `${ENTRY} is missing` };
  /** @type {Input | undefined} */
  let newest;
  for (const input of state.inputs) {
    if (input.mtimeMs >= state.stampMs && (newest === undefined || input.mtimeMs > newest.mtimeMs)) newest = input;
  }
  return newest === undefined ? { stale: false } : { stale: true, reason: `${newest.path} changed since the last build` };
}

/**
 * Every build input under `root` with its mtime, folders included; inputs that do not exist are skipped.
 * @param {string} root
 * @returns {Input[]}
 */
export function collectInputs(root) {
  /** @type {Input[]} */
  const inputs = [];
  /** @param {string} path */
  const visit = (path) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) return;
    inputs.push({ path: relative(root, path), mtimeMs: stat.mtimeMs });
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const input of BUILD_INPUTS) visit(join(root, input));
  return inputs;
}

/**
 * @param {string} root
 * @returns {BuildState}
 */
export function readBuildState(root) {
  return {
    stampMs: statSync(join(root, STAMP), { throwIfNoEntry: false })?.mtimeMs,
    entryExists: existsSync(join(root, ENTRY)),
    inputs: collectInputs(root),
  };
}

/**
 * Builds `root` with `compile` when stale (or `force`), and stamps the build if it succeeded.
 * @param {string} root
 * @param {{ readonly force?: boolean, readonly compile: () => number, readonly say?: (line: string) => void }} options
 * @returns {{ readonly built: boolean, readonly exitCode: number }}
 */
export function ensureBuilt(root, options) {
  if (options.force !== true) {
    const decision = buildDecision(readBuildState(root));
    if (!decision.stale) return { built: false, exitCode: 0 };
    // Says why this start takes seconds longer than the last one.
    options.say?.(`contextcord: building (${decision.reason})…`);
  }
  // Taken before compiling, so an edit made while tsc runs leaves the build stale.
  const began = new Date();
  const exitCode = options.compile();
  if (exitCode !== 0) return { built: false, exitCode };
  const stamp = join(root, STAMP);
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, `a build that began at ${began.toISOString()} succeeded\n`);
  utimesSync(stamp, began, began);
  return { built: true, exitCode: 0 };
}

/** @param {string} root */
function compileWithTsc(root) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { exitCode } = ensureBuilt(root, {
    force: process.argv.includes('--force'),
    compile: () => compileWithTsc(root),
    say: (line) => console.error(line),
  });
  process.exitCode = exitCode;
}
