import { existsSync } from 'node:fs';
import { storeSecrets } from './adapters/store/store-url.js';
import { startApp } from './app.js';
import { type Config, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startupLine } from './startup-errors.js';

// A .env file in the working folder is optional; real environment variables win over it.
if (existsSync('.env')) process.loadEnvFile('.env');

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  console.error(startupLine(error));
  process.exit(1);
}

const secrets = [config.DISCORD_TOKEN, ...config.OPENAI_API_KEY, ...storeSecrets(config.STORE_URL)];
const logger = createLogger({ level: config.LOG_LEVEL, secrets, pretty: process.stdout.isTTY });

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
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
} catch (error) {
  // The stack is for whoever asks for it (LOG_LEVEL=debug); everyone gets one line saying what to do.
  logger.debug({ err: error }, 'could not start');
  console.error(startupLine(error, { apiUrl: config.DISCORD_API_URL, secrets, logsDetails: true }));
  // Exit now: a request discord.js still has open to an API that never answered would keep the
  // process alive for up to a minute.
  logger.flush(() => process.exit(1));
}
