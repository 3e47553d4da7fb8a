import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const BOT_ENTRY = join(root, 'src/index.ts');
const loader = join(root, 'node_modules/tsx/dist/loader.mjs');

export interface BotProcess {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

/** The bot as a server owner runs it: its own process, started with node, configured by the environment. */
export function startBotProcess(env: Record<string, string>, cwd: string, script = BOT_ENTRY): BotProcess {
  let output = '';
  const child = spawn(process.execPath, ['--import', loader, script], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === null ? null : -1))));
  return { child, output: () => output, exited };
}
