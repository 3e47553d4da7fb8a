import { existsSync } from 'node:fs';
import { Events } from 'discord.js';
import { createClient, registerCommands } from './bot.js';
import { ConfigError, loadConfig } from './config.js';

// Registers the slash commands once: to DISCORD_GUILD_ID when set (instant), else globally.
if (existsSync('.env')) process.loadEnvFile('.env');
try {
  const config = loadConfig(process.env);
  const client = createClient(config.DISCORD_API_URL);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(config.DISCORD_TOKEN);
  await ready;
  if (!client.isReady()) throw new Error('the Discord client did not become ready');
  const count = await registerCommands(client, config.DISCORD_GUILD_ID);
  console.log(`Registered ${count} commands ${config.DISCORD_GUILD_ID === undefined ? 'globally (may take up to an hour to appear)' : `to guild ${config.DISCORD_GUILD_ID}`}.`);
  await client.destroy();
} catch (error) {
  console.error(`contextcord: ${error instanceof ConfigError ? error.message : String(error)}`);
  process.exitCode = 1;
}
