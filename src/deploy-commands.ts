import { existsSync } from 'node:fs';
import { connectWithin, within } from './adapters/discord/connect.js';
import { createClient, registerCommands } from './bot.js';
import { type DeployConfig, loadDeployConfig } from './config.js';
import { DEFAULT_DISCORD_API_URL, StartupError, startupLine } from './startup-errors.js';

// Registers the slash commands once: to DISCORD_GUILD_ID when set (instant), else globally.
if (existsSync('.env')) process.loadEnvFile('.env');
let config: DeployConfig | undefined;
try {
  config = loadDeployConfig(process.env);
  const { DISCORD_API_URL: apiUrl, DISCORD_GUILD_ID: guildId, STARTUP_TIMEOUT_MS: timeoutMs } = config;
  const client = createClient(apiUrl);
  const started = performance.now();
  await connectWithin(client, { token: config.DISCORD_TOKEN, timeoutMs, apiUrl });
  if (!client.isReady()) throw new Error('the Discord client did not become ready');
  // One deadline for the whole run: registering gets what logging in left of it.
  const request = `PUT /applications/${client.application.id}${guildId === undefined ? '' : `/guilds/${guildId}`}/commands`;
  const count = await within(registerCommands(client, guildId), Math.max(0, timeoutMs - (performance.now() - started)), () => {
    return new StartupError({ kind: 'api-silent', url: apiUrl ?? DEFAULT_DISCORD_API_URL, request, timeoutMs });
  });
  console.log(`Registered ${count} commands ${guildId === undefined ? 'globally (may take up to an hour to appear)' : `to guild ${guildId}`}.`);
  await client.destroy();
} catch (error) {
  console.error(startupLine(error, { apiUrl: config?.DISCORD_API_URL, secrets: config === undefined ? [] : [config.DISCORD_TOKEN] }));
  // A request still open to an API that never answered would keep the process alive for a minute.
  process.exit(1);
}
