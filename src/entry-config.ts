import { existsSync } from 'node:fs';
import { storeSecrets } from './adapters/store/store-url.js';
import type { Config } from './config.js';
import { startupLine } from './startup-errors.js';

/**
 * An entry point's configuration: a .env file in the working folder is read if there is one (real
 * environment variables win over it), then `load` checks it; a bad one is one clear line on stderr
 * and exit 1, before anything starts.
 */
export function configOrExit<T>(load: (env: NodeJS.ProcessEnv) => T): T {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return load(process.env);
  } catch (error) {
    console.error(startupLine(error));
    process.exit(1);
  }
}

/** Every secret the bot's configuration holds, for its logger to redact. */
export function botSecrets(config: Config): string[] {
  return [config.DISCORD_TOKEN, ...config.OPENAI_API_KEY, ...storeSecrets(config.STORE_URL)];
}
