/**
 * First run against endpoints that accept a connection and then say nothing: start-up gives up
 * with one line instead of discord.js's minute of silence and an AbortError. Its own file so
 * these waits run alongside the other start-up tests.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { DEPLOY_ENTRY } from '../helpers/bot-process.js';
import { StartupWorld, TOKEN } from './startup-harness.js';

let world: StartupWorld;
beforeEach(() => {
  world = new StartupWorld();
});
afterEach(async () => {
  await world.close();
});

describe('an endpoint that never answers', () => {
  it('the API, with the default STARTUP_TIMEOUT_MS: one line naming the host, all within 20 s', async () => {
    const api = await world.loopback.silentServer();
    const url = `http://127.0.0.1:${api.port}/api`;
    expect(await world.failedStart({ DISCORD_API_URL: url })).toBe(
      `contextcord: Discord's API at 127.0.0.1:${api.port} did not answer GET /gateway/bot within 15 s. Check the network, a proxy or firewall, and DISCORD_API_URL (now ${url}); STARTUP_TIMEOUT_MS sets how long to wait.`,
    );
    expect(api.connections()).toBeGreaterThan(0);
    expect(await world.run?.exitedAfterMs).toBeLessThan(20_000);
  }, 30_000);

  it('the gateway (the API answered): the line names the gateway, after STARTUP_TIMEOUT_MS', async () => {
    const gateway = await world.loopback.silentServer();
    // Discord's API answers and hands out the URL of a gateway that then keeps quiet.
    world.discord = await FakeDiscord.start({ token: TOKEN, gatewayUrl: `ws://127.0.0.1:${gateway.port}` });
    const started = performance.now();
    expect(await world.failedStart({ DISCORD_API_URL: world.discord.apiUrl, STARTUP_TIMEOUT_MS: '2000' })).toBe(
      `contextcord: Discord's gateway at 127.0.0.1:${gateway.port} did not let the bot connect within 2 s (its API answered). Check that the network, a proxy or firewall lets WebSockets through to it; STARTUP_TIMEOUT_MS sets how long to wait.`,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(2000);
    expect(gateway.connections()).toBeGreaterThan(0);
  });

  it('deploy-commands gives up after STARTUP_TIMEOUT_MS too', async () => {
    const api = await world.loopback.silentServer();
    expect(await world.failedStart({ DISCORD_API_URL: `http://127.0.0.1:${api.port}/api`, STARTUP_TIMEOUT_MS: '1500' }, DEPLOY_ENTRY)).toBe(
      `contextcord: Discord's API at 127.0.0.1:${api.port} did not answer GET /gateway/bot within 1.5 s. Check the network, a proxy or firewall, and DISCORD_API_URL (now http://127.0.0.1:${api.port}/api); STARTUP_TIMEOUT_MS sets how long to wait.`,
    );
  });
});
