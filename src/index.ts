import { existsSync } from 'node:fs';
import { startApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

// A .env file in the working folder is optional; real environment variables win over it.
if (existsSync('.env')) process.loadEnvFile('.env');

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`contextcord: ${error.message}. See .env.example and the README's configuration table.`);
  process.exit(1);
}

const logger = createLogger({
  level: config.LOG_LEVEL,
  secrets: [config.DISCORD_TOKEN, ...config.OPENAI_API_KEY],
  pretty: process.stdout.isTTY,
});

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
  logger.fatal({ err: error }, 'could not start');
  process.exitCode = 1;
}
