/**
 * First run: every way start-up fails ends in one plain line on stderr that says what failed and
 * what to check, then exit code 1. The bot runs as its own process against the fake Discord (or
 * against sockets that refuse), all on 127.0.0.1. Endpoints that never answer: startup-timeout.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { DEPLOY_ENTRY } from '../helpers/bot-process.js';
import { GUILD, StartupWorld, TOKEN } from './startup-harness.js';

const TOKEN_ADVICE = 'it is wrong or was reset. Put a new one in DISCORD_TOKEN: Developer Portal → your application → Bot → Reset Token.';

let world: StartupWorld;
beforeEach(() => {
  world = new StartupWorld();
});
afterEach(async () => {
  await world.close();
});

async function fakeDiscord(options: Parameters<typeof FakeDiscord.start>[0] = {}): Promise<FakeDiscord> {
  world.discord = await FakeDiscord.start({ token: TOKEN, ...options });
  return world.discord;
}

describe('the bot process, when it cannot start', () => {
  it('nothing listening at DISCORD_API_URL: connection refused, naming the host and DISCORD_API_URL', async () => {
    const port = await world.loopback.closedPort();
    const url = `http://127.0.0.1:${port}/api`;
    expect(await world.failedStart({ DISCORD_API_URL: url })).toBe(
      `contextcord: cannot reach Discord at 127.0.0.1:${port}: the connection was refused (ECONNREFUSED). Check the network, a proxy or firewall, and DISCORD_API_URL (now ${url}).`,
    );
  });

  it('a token Discord refuses (401 on GET /gateway/bot): says where to get a new one, and never prints it', async () => {
    const discord = await fakeDiscord({ token: 'the-token-discord-knows-1234567890' });
    expect(await world.failedStart({ DISCORD_API_URL: discord.apiUrl })).toBe(
      `contextcord: Discord refused the bot token (HTTP 401 on GET /gateway/bot): ${TOKEN_ADVICE}`,
    );
    expect(discord.requests.map((r) => `${r.method} ${r.path} ${String(r.status)}`)).toEqual(['GET /gateway/bot 401']);
    expect(world.run?.output()).not.toContain(TOKEN);
  });

  it('a token the gateway refuses (close 4004): says where to get a new one', async () => {
    const discord = await fakeDiscord();
    discord.refuseNextIdentify(4004);
    expect(await world.failedStart({ DISCORD_API_URL: discord.apiUrl })).toBe(
      `contextcord: Discord refused the bot token (gateway close code 4004, Authentication failed): ${TOKEN_ADVICE}`,
    );
    expect(discord.gatewayStats.identifies).toBe(0);
  });

  it('the Message Content intent not enabled (close 4014): says where to enable it', async () => {
    const discord = await fakeDiscord({ enabledPrivilegedIntents: 0 });
    expect(await world.failedStart({ DISCORD_API_URL: discord.apiUrl })).toBe(
      'contextcord: Discord refused the Message Content intent (gateway close code 4014, Disallowed intent(s)). Enable it: Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent, save, and start again.',
    );
  });

  describe('a store that cannot be opened: names the path and what to check, before calling Discord', () => {
    let apiUrl = '';
    beforeEach(async () => {
      apiUrl = (await fakeDiscord()).apiUrl;
    });
    afterEach(() => {
      expect(world.discord?.requests).toEqual([]);
    });

    it('a folder where the file should be', async () => {
      const folder = join(world.dir.path, 'sessions');
      mkdirSync(folder);
      expect(await world.failedStart({ DISCORD_API_URL: apiUrl, STORE_URL: `sqlite://${folder}` })).toBe(
        `contextcord: cannot open the store ${folder} (STORE_URL=sqlite://${folder}): it is a folder; STORE_URL must name a file, e.g. sqlite://${folder}/contextcord.sqlite.`,
      );
    });

    it('a file where a folder of the path should be', async () => {
      const file = join(world.dir.path, 'notes.txt');
      writeFileSync(file, 'not a folder');
      const store = join(file, 'bot.sqlite');
      expect(await world.failedStart({ DISCORD_API_URL: apiUrl, STORE_URL: `sqlite://${store}` })).toBe(
        `contextcord: cannot open the store ${store} (STORE_URL=sqlite://${store}): a file stands where a folder of the path should be (EEXIST at ${file}): choose another STORE_URL.`,
      );
    });

    it('a Redis or PostgreSQL store that nothing answers at: the URL without its password, and what to check', async () => {
      const port = await world.loopback.closedPort();
      const password = 'store-password-not-to-print';
      for (const [url, shown, server] of [
        [`redis://:${password}@127.0.0.1:${String(port)}/0`, `redis://:***@127.0.0.1:${String(port)}/0`, 'Redis'],
        [`postgresql://bot:${password}@127.0.0.1:${String(port)}/contextcord`, `postgresql://bot:***@127.0.0.1:${String(port)}/contextcord`, 'PostgreSQL'],
      ] as const) {
        const line = await world.failedStart({ DISCORD_API_URL: apiUrl, STORE_URL: url });
        expect(line).toBe(
          `contextcord: cannot use the store ${shown} (STORE_URL): the connection was refused (ECONNREFUSED). Check that ${server} runs there and that this machine may reach it, or fix STORE_URL.`,
        );
        expect(line).not.toContain(password);
      }
    });

    it('a file that is not an SQLite database, given as a relative path', async () => {
      writeFileSync(join(world.dir.path, 'notes.sqlite'), 'plain text, not a database '.repeat(40));
      expect(await world.failedStart({ DISCORD_API_URL: apiUrl, STORE_URL: 'sqlite://notes.sqlite' })).toBe(
        `contextcord: cannot open the store ${join(world.dir.path, 'notes.sqlite')} (STORE_URL=sqlite://notes.sqlite): it is not an SQLite database (SQLITE_NOTADB): point STORE_URL at a new file, or restore this one from a backup.`,
      );
    });
  });
});

describe('deploy-commands', () => {
  it('needs only DISCORD_TOKEN: registers without OPENAI_API_KEY and exits 0', async () => {
    const discord = await fakeDiscord();
    discord.addGuild({ id: GUILD, name: 'Test Server', channels: [{ id: '100000000000000010', name: 'general' }] });
    const run = world.start({ DISCORD_TOKEN: TOKEN, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: GUILD }, DEPLOY_ENTRY);
    expect(await run.exited, run.output()).toBe(0);
    expect(run.stdout()).toBe(`Registered 16 commands to guild ${GUILD}.\n`);
    expect(discord.registeredCommands(GUILD)).toHaveLength(16);
  });

  it('without DISCORD_TOKEN: one line naming only it, not the model server variables', async () => {
    const run = world.start({}, DEPLOY_ENTRY);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toBe(
      "contextcord: Configuration problem: DISCORD_TOKEN: is required: the bot token from the Discord developer portal (Bot → Reset Token). See .env.example and the README's configuration table.\n",
    );
  });

  it('a DISCORD_GUILD_ID the bot is not in (50001 Missing Access): says to invite it or register globally', async () => {
    const discord = await fakeDiscord();
    expect(await world.failedStart({ DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: GUILD }, DEPLOY_ENTRY)).toBe(
      `contextcord: Discord refused to register the slash commands in server ${GUILD} (50001 Missing Access): the bot is not in that server, or was invited without the applications.commands scope. Invite it with both scopes bot and applications.commands (see the README), or unset DISCORD_GUILD_ID to register globally.`,
    );
  });

  it('a refused token: the same line as the bot gives', async () => {
    const discord = await fakeDiscord({ token: 'the-token-discord-knows-1234567890' });
    expect(await world.failedStart({ DISCORD_API_URL: discord.apiUrl }, DEPLOY_ENTRY)).toBe(
      `contextcord: Discord refused the bot token (HTTP 401 on GET /gateway/bot): ${TOKEN_ADVICE}`,
    );
  });
});
