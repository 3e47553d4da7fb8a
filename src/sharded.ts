import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchRecommendedShards } from './adapters/discord/recommended-shards.js';
import { ConfigError, loadConfig } from './config.js';
import { botSecrets, configOrExit } from './entry-config.js';
import { createLogger } from './logger.js';
import { ShardSet } from './shard-set.js';
import { startupLine } from './startup-errors.js';

/**
 * `npm run start:sharded`: discord.js's ShardingManager, one process per shard (all of
 * SHARD_COUNT, or those of SHARD_IDS), each the bot's own entry point. Signals behave as for one
 * bot: the first stops every shard gracefully and exits 0 once all have; a second passes on, so
 * every shard stops at once, and this process exits at once.
 */

// The whole configuration, as each shard will read it: one clear line here rather than one per shard.
const config = configOrExit(loadConfig);
const secrets = botSecrets(config);
const logger = createLogger({ level: config.LOG_LEVEL, secrets, pretty: process.stdout.isTTY }).child({ role: 'shard-manager' });
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

// The bot's entry point beside this file, with this file's extension (index.js when built, index.ts under tsx).
const self = fileURLToPath(import.meta.url);
const entry = fileURLToPath(new URL(`./index${extname(self)}`, import.meta.url));

let shards: ShardSet | undefined;
let signals = 0;
const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
  signals += 1;
  if (shards === undefined) process.exit(signal === 'SIGINT' ? 130 : 143);
  if (signals > 1) {
    logger.warn({ signal }, 'second signal: every shard stops at once');
    shards.forward(signal);
    logger.flush(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    return;
  }
  logger.info({ signal }, 'signal received: stopping every shard');
  // SIGTERM whatever came: a shard ignores SIGINT (a terminal's Ctrl-C reaches it too, see index.ts).
  void shards.stop('SIGTERM').then((clean) => {
    logger.info({ clean }, 'every shard has stopped');
    logger.flush(() => process.exit(clean ? 0 : 1));
  });
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  const count =
    config.SHARD_COUNT === 'auto'
      ? (await fetchRecommendedShards({ token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL, timeoutMs: config.STARTUP_TIMEOUT_MS })).shards
      : config.SHARD_COUNT;
  const ids = config.SHARD_IDS ?? Array.from({ length: count }, (_, id) => id);
  const lastPort = config.HTTP_PORT === undefined || config.HTTP_PORT === 0 ? 0 : config.HTTP_PORT + Math.max(...ids);
  if (lastPort > 65_535) {
    throw new ConfigError(`Configuration problem: HTTP_PORT: shard N serves on HTTP_PORT + N, so with shards up to ${String(Math.max(...ids))} it must be at most ${String(65_535 - Math.max(...ids))}`);
  }
  logger.info({ count, ids, entry: basename(entry) }, 'starting shards');
  shards = new ShardSet({
    entry,
    execArgv: process.execArgv,
    token: config.DISCORD_TOKEN,
    count,
    ids,
    spawnDelayMs: config.SHARD_SPAWN_DELAY_MS,
    // A shard gives up on its own after STARTUP_TIMEOUT_MS; the margin is node's start and the store's open.
    readyTimeoutMs: config.STARTUP_TIMEOUT_MS + 15_000,
    httpPort: config.HTTP_PORT,
    logger,
  });
  await shards.start();
  logger.info({ count, ids }, 'every shard is ready');
} catch (error) {
  if (shards?.stopping !== true) {
    // The shard that failed has printed its own one-line reason; the rest are stopped.
    logger.debug({ err: error }, 'could not start the shards');
    console.error(startupLine(error, { apiUrl: config.DISCORD_API_URL, secrets, logsDetails: true }));
    await shards?.stop('SIGTERM');
    logger.flush(() => process.exit(1));
  }
}
