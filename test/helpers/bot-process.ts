import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const BOT_ENTRY = join(root, 'src/index.ts');
export const DEPLOY_ENTRY = join(root, 'src/deploy-commands.ts');
export const MIGRATE_ENTRY = join(root, 'src/moving/migrate-main.ts');
export const BACKUP_ENTRY = join(root, 'src/moving/backup-main.ts');
export const SHARDED_ENTRY = join(root, 'src/sharded.ts');
const loader = join(root, 'node_modules/tsx/dist/loader.mjs');

export interface BotProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Both streams as they arrived, interleaved. */
  output(): string;
  /** The exit code, once the process has exited (null if a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Milliseconds from spawn to exit. */
  readonly exitedAfterMs: Promise<number>;
}

/**
 * The bot (or another entry point) as a server owner runs it: its own process, started with node,
 * configured only by `env` (and a .env in `cwd`, if any). The caller kills it in afterEach.
 */
export function startBotProcess(
  env: Record<string, string>,
  cwd: string,
  script = BOT_ENTRY,
  options: {
    /** A process group of its own (its pid is the group's id), as a terminal gives a command: signal it all with kill(-pid). */
    readonly ownGroup?: boolean;
    /** Command-line arguments after the script. */
    readonly args?: readonly string[];
  } = {},
): BotProcess {
  let stdout = '';
  let stderr = '';
  let output = '';
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', loader, script, ...(options.args ?? [])], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownGroup === true,
  });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    output += d.toString();
  });
  // 'close' rather than 'exit': by then both pipes are drained, so the output is complete.
  const closed = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on('close', (code) => resolve({ code, at: performance.now() })),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => output,
    exited: closed.then((c) => c.code),
    exitedAfterMs: closed.then((c) => c.at - started),
  };
}

/** A line of a stack trace, as Node prints them and as pino's err serializer keeps them. */
export const STACK_FRAME = /(^|\\n|\n)\s*at \S+.*(:\d+:\d+\)?|\(native\))/;
