/**
 * Runs bench/bot-child.ts in its own Node process. It is compiled with tsc first (into
 * node_modules/.cache, incrementally, without type checking) because the tsx loader alone adds
 * about 35 MB of RSS and start-up work that the real bot (`node dist/src/index.js`) does not have.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { type ChildMessage, childMessageSchema, type ParentMessage, type Usage } from './child-protocol.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'contextcord-bench');
const OUT = join(CACHE, 'out');

let compiled: string | undefined;

/** Compiles the children and the src/ files they import; returns the path of `bench/<name>.js`. */
export function compiledChild(name: 'bot-child' | 'modules-child'): string {
  compiled ??= compile();
  return join(compiled, 'bench', `${name}.js`);
}

function compile(): string {
  mkdirSync(OUT, { recursive: true });
  // Output under node_modules would otherwise be read as CommonJS (no package scope crosses node_modules).
  writeFileSync(join(OUT, 'package.json'), '{ "type": "module" }\n');
  const tsconfig = join(CACHE, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: {
        noEmit: false,
        outDir: OUT,
        rootDir: ROOT,
        sourceMap: false,
        // Types are checked by `npm run typecheck`; here only JavaScript is wanted.
        noCheck: true,
        incremental: true,
        tsBuildInfoFile: join(CACHE, 'tsbuildinfo'),
      },
      include: [],
      files: [join(ROOT, 'bench', 'bot-child.ts'), join(ROOT, 'bench', 'modules-child.ts')],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // Anything tsc prints goes to stderr, away from the tables on stdout.
  execFileSync(process.execPath, [tsc, '-p', tsconfig], { stdio: ['ignore', 2, 2] });
  return OUT;
}

/**
 * How the bot's Node process is launched beyond the bot's own configuration: node's flags and
 * process-level environment (MALLOC_ARENA_MAX, UV_THREADPOOL_SIZE…), so the benchmark can run the
 * bot exactly as the product's start command does.
 */
export interface Launch {
  readonly nodeFlags?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

const packageSchema = z.object({ scripts: z.object({ start: z.string() }) });

/**
 * The environment and node flags of package.json's `start` script, which must read
 * `[NAME=value …] node [--flag …] <entry>`: the benchmark runs the bot as `npm start` does.
 */
export function startScriptLaunch(): Launch & { readonly script: string } {
  const script = packageSchema.parse(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))).scripts.start;
  const words = script.trim().split(/\s+/);
  const node = words.indexOf('node');
  const assignments = words.slice(0, Math.max(node, 0)).map((word) => /^([A-Z_][A-Z0-9_]*)=(\S*)$/.exec(word));
  if (node === -1 || assignments.includes(null)) {
    throw new Error(`Expected package.json's start script to read "[NAME=value …] node [--flag …] <entry>", got "${script}".`);
  }
  const env = Object.fromEntries(assignments.map((match) => [match?.[1] ?? '', match?.[2] ?? '']));
  const afterNode = words.slice(node + 1);
  const entry = afterNode.findIndex((word) => !word.startsWith('-'));
  const nodeFlags = entry === -1 ? afterNode : afterNode.slice(0, entry);
  return { script, nodeFlags, env };
}

/** The bot in a child process, with a request/answer channel over IPC. */
export class BotProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (usage: Usage) => void; reject: (error: Error) => void }>();
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly startUsage: Usage,
  ) {
    child.on('message', (raw: unknown) => {
      const message = childMessageSchema.safeParse(raw);
      if (!message.success) return;
      this.settle(message.data);
    });
    child.once('exit', (code) => {
      this.exited = true;
      for (const { reject } of this.waiting.values()) reject(new Error(`bot process exited (code ${String(code)})`));
      this.waiting.clear();
    });
  }

  /** Starts the bot with exactly `env` (plus PATH and `launch.env`), and resolves once it is connected. */
  static async start(env: Record<string, string>, launch: Launch = {}): Promise<BotProcess> {
    const entry = compiledChild('bot-child');
    const child = spawn(process.execPath, ['--expose-gc', ...(launch.nodeFlags ?? []), entry], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...env, ...launch.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // The bot's log lines (warnings and errors only, by LOG_LEVEL) go to our stderr, not the tables.
    child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(`[bot] ${chunk.toString()}`));
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[bot] ${chunk.toString()}`));
    const usage = await new Promise<Usage>((resolve, reject) => {
      const onMessage = (raw: unknown): void => {
        const message = childMessageSchema.safeParse(raw);
        if (!message.success) return;
        child.off('message', onMessage);
        if (message.data.type === 'ready') resolve(message.data.usage);
        else reject(new Error(message.data.type === 'failed' ? message.data.message : 'unexpected first message'));
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`bot process exited before it was ready (code ${String(code)})`)));
    });
    return new BotProcess(child, usage);
  }

  request(type: ParentMessage['type'], gc = false): Promise<Usage> {
    if (this.exited) return Promise.reject(new Error('bot process has exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, type, gc } satisfies ParentMessage);
    });
  }

  /** Waits until every answer the bot has taken is delivered and committed. */
  drain(): Promise<Usage> {
    return this.request('drain');
  }

  usage(gc: boolean): Promise<Usage> {
    return this.request('usage', gc);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.request('stop').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private settle(message: ChildMessage): void {
    if (message.type === 'ready') return;
    const id = message.id;
    const waiter = id === undefined ? undefined : this.waiting.get(id);
    if (id === undefined || waiter === undefined) {
      if (message.type === 'failed') process.stderr.write(`[bot] ${message.message}\n`);
      return;
    }
    this.waiting.delete(id);
    if (message.type === 'done') waiter.resolve(message.usage);
    else waiter.reject(new Error(message.message));
  }
}
