import { startApp } from './app.js';
import { loadConfig } from './config.js';
import { botSecrets, configOrExit } from './entry-config.js';
import { createLogger } from './logger.js';
import { startupLine } from './startup-errors.js';

const config = configOrExit(loadConfig);
const secrets = botSecrets(config);
const root = createLogger({ level: config.LOG_LEVEL, secrets, pretty: process.stdout.isTTY });
// With shards on several processes or hosts, every line says which shards wrote it.
const logger = config.SHARD_IDS === undefined ? root : root.child({ shards: config.SHARD_IDS });
// Started by `npm run start:sharded` (discord.js's manager, over IPC): the manager decides when this shard stops.
const managed = process.env['SHARDING_MANAGER'] !== undefined && process.send !== undefined;

process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

try {
  const app = await startApp(config, { logger });
  let signals = 0;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    signals += 1;
    if (signals > 1) {
      // A second signal means now: close the store (nothing half-done is in it) and go.
      logger.warn({ signal }, 'second signal: stopping at once');
      void app.store.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      return;
    }
    logger.info({ signal }, 'signal received');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  if (managed) {
    // A terminal's Ctrl-C reaches the manager and every shard; the manager turns it into one SIGTERM
    // per shard, which a shard that had counted the SIGINT too would take as a second signal.
    process.on('SIGINT', () => logger.debug('SIGINT left to the shard manager'));
    // The manager gone (killed, crashed): nothing would stop this shard or start it again, so it stops.
    process.on('disconnect', () => {
      logger.warn('the shard manager is gone: stopping');
      onSignal('SIGTERM');
    });
  } else {
    process.on('SIGINT', onSignal);
  }
} catch (error) {
  // The stack is for whoever asks for it (LOG_LEVEL=debug); everyone gets one line saying what to do.
  logger.debug({ err: error }, 'could not start');
  console.error(startupLine(error, { apiUrl: config.DISCORD_API_URL, secrets, logsDetails: true }));
  // Exit now: a request discord.js still has open to an API that never answered would keep the
  // process alive for up to a minute.
  logger.flush(() => process.exit(1));
}
