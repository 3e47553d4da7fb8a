import { setTimeout as sleep } from 'node:timers/promises';
import { type Shard, ShardingManager } from 'discord.js';
import { z } from 'zod';
import type { Logger } from './logger.js';

export interface ShardSetOptions {
  /** The bot's entry point (dist/src/index.js): each shard is that file in a process of its own. */
  readonly entry: string;
  /** Node flags for the shard processes, e.g. this process's own. */
  readonly execArgv: readonly string[];
  readonly token: string;
  /** Shards in all, on every host (SHARD_COUNT). */
  readonly count: number;
  /** The shards this host runs (SHARD_IDS, or all of them), started in this order. */
  readonly ids: readonly number[];
  /** Wait between starting one shard and the next, for Discord's IDENTIFY limit. */
  readonly spawnDelayMs: number;
  /** How long a shard process may take to become ready. */
  readonly readyTimeoutMs: number;
  /** HTTP_PORT: shard N serves its endpoints on this port + N (0: each on a free port). */
  readonly httpPort: number | undefined;
  readonly logger: Logger;
}

const environmentShape = z.record(z.string(), z.unknown());

/**
 * discord.js's ShardingManager over the bot's own entry point, one process per shard. Each shard
 * process is the bot as `npm start` runs it with SHARD_IDS set to its one id (and SHARD_COUNT to
 * the total, which the manager sets), so a shard is configured, started and stopped exactly as a
 * single bot is.
 *
 * Start-up is all or nothing: a shard that does not become ready stops the set. Once every shard
 * is ready, one that dies is started again by the manager (its respawn), at once.
 */
export class ShardSet {
  readonly #options: ShardSetOptions;
  readonly #manager: ShardingManager;
  readonly #stopped = new AbortController();

  constructor(options: ShardSetOptions) {
    this.#options = options;
    this.#manager = new ShardingManager(options.entry, {
      totalShards: options.count,
      shardList: [...options.ids],
      mode: 'process',
      // Off while starting: a shard that cannot start would otherwise be started again for ever.
      respawn: false,
      token: options.token,
      execArgv: [...options.execArgv],
    });
  }

  get stopping(): boolean {
    return this.#stopped.signal.aborted;
  }

  /** Starts every shard, one after the other; rejects if one does not become ready (or stop() was called). */
  async start(): Promise<void> {
    const { ids, spawnDelayMs, readyTimeoutMs, logger } = this.#options;
    for (const [index, id] of ids.entries()) {
      if (this.stopping) throw new Error('stopped while starting');
      const shard = this.#manager.createShard(id);
      // The child inherits this process's environment, SHARD_IDS included: it runs its one shard.
      shard.env = { ...environmentShape.parse(shard.env), SHARD_IDS: String(id), ...this.#httpPort(id) };
      this.#watch(shard);
      logger.info({ shard: id, of: this.#options.count }, 'starting shard');
      await shard.spawn(readyTimeoutMs);
      logger.info({ shard: id, pid: shard.process?.pid }, 'shard ready');
      if (index < ids.length - 1 && spawnDelayMs > 0) await sleep(spawnDelayMs, undefined, { signal: this.#stopped.signal });
    }
    if (this.stopping) throw new Error('stopped while starting');
    this.#manager.respawn = true;
  }

  /**
   * Sends `signal` to every shard process once, and resolves when all have exited: true when each
   * exited 0 (a graceful stop), or was ended by that signal before it had started (nothing under way).
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<boolean> {
    this.#manager.respawn = false;
    this.#stopped.abort();
    const exits = [...this.#manager.shards.values()].map((shard) => this.#ended(shard, signal));
    for (const shard of this.#manager.shards.values()) shard.process?.kill(signal);
    const clean = await Promise.all(exits);
    return clean.every(Boolean);
  }

  /** Passes a second signal on: each shard then stops at once, as the bot does on a second signal. */
  forward(signal: NodeJS.Signals): void {
    for (const shard of this.#manager.shards.values()) shard.process?.kill(signal);
  }

  /** The pids of the shard processes running now, by shard id. */
  pids(): Map<number, number | undefined> {
    return new Map([...this.#manager.shards.values()].map((shard) => [shard.id, shard.process?.pid]));
  }

  /** One port per shard: every shard process reads the same HTTP_PORT, and only one could listen on it. */
  #httpPort(id: number): { HTTP_PORT?: string } {
    const base = this.#options.httpPort;
    if (base === undefined) return {};
    return { HTTP_PORT: String(base === 0 ? 0 : base + id) };
  }

  #watch(shard: Shard): void {
    const { logger } = this.#options;
    shard.on('death', (child) => {
      const exit = exitOf(child);
      if (this.stopping) logger.info({ shard: shard.id, ...exit }, 'shard stopped');
      else if (this.#manager.respawn) logger.error({ shard: shard.id, ...exit }, 'shard process died; starting it again');
      else logger.error({ shard: shard.id, ...exit }, 'shard process exited while starting');
    });
    // A respawn that fails is reported here; unheard, the manager's EventEmitter would throw it.
    shard.on('error', (error) => logger.error({ err: error, shard: shard.id }, 'shard could not be started again'));
  }

  #ended(shard: Shard, signal: NodeJS.Signals): Promise<boolean> {
    const child = shard.process;
    // Read now: by the time 'exit' reaches this listener the manager has already marked the shard not ready.
    const started = shard.ready;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child === null || child.exitCode === 0);
    return new Promise((resolve) => {
      child.once('exit', (code, ended) => resolve(code === 0 || (ended === signal && !started)));
    });
  }
}

function exitOf(child: unknown): { code: number | null; signal: string | null } {
  const parsed = z.object({ exitCode: z.number().nullable(), signalCode: z.string().nullable() }).safeParse(child);
  return parsed.success ? { code: parsed.data.exitCode, signal: parsed.data.signalCode } : { code: null, signal: null };
}
