import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelFailureText } from '../../src/presenters/en.js';
import { captureAppLogs, secretShown } from '../helpers/logs.js';
import { DISCORD_TOKEN, GENERAL, World } from './harness.js';

/**
 * Key shapes that JSON or URLs escape, and one beyond ASCII; all travel in an Authorization
 * header (a Latin-1 character goes as one byte, as fetch sends it).
 */
const KEYS = ['sk-quote"d-key-0001', 'sk-back\\slash-key-0002', 'sk-tab\tbed-key-0003', 'sk-per%25cent-key-0004', 'sk-café-ünï-key-0005'];

describe('a model server that echoes the key it refused', () => {
  let world: World;
  beforeEach(async () => {
    world = await World.create();
  });
  afterEach(async () => {
    await world.close();
  });

  it.each(KEYS.map((key) => [JSON.stringify(key), key]))('leaves no form of the key %s in the logs', async (_, key) => {
    world.logs = captureAppLogs([DISCORD_TOKEN, key]);
    // As a proxy might: the key as received, cut short, and inside a URL.
    world.openai.setKeyEcho(
      (received) => `${received} (or ${received.slice(0, -4)}…, for https://proxy.example/v1/chat/completions?key=${encodeURIComponent(received)})`,
    );
    await world.start({ OPENAI_API_KEY: key });
    const [reply] = await world.ask(GENERAL, 'hello');
    expect(reply?.content).toContain(modelFailureText('auth', { reason: 'no_key_left' }));
    expect(world.openai.requests.map((r) => r.apiKey)).toEqual([key]);

    const text = world.logs.text();
    expect(secretShown(text, key)).toBeUndefined();
    // The server's words reached the log, and only the key was taken out of them.
    expect(text).toContain('Incorrect API key provided: [redacted] (or [redacted]…, for https://proxy.example/v1/chat/completions?key=[redacted])');
    expect(text).toContain(`(…${key.slice(-4)})`);
  });
});
