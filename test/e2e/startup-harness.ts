import { join } from 'node:path';
import { expect } from 'vitest';
import type { FakeDiscord } from '../fakes/fake-discord.js';
import { type BotProcess, STACK_FRAME, startBotProcess } from '../helpers/bot-process.js';
import { Loopback } from '../helpers/loopback.js';
import { tempDir } from '../helpers/temp.js';

export const TOKEN = 'fake-discord-token-abcdefghijklmnop';
export const GUILD = '100000000000000001';

/**
 * What a start-up test needs: a folder to run in, sockets that misbehave, perhaps a fake Discord,
 * and the bot's process. close() (in afterEach) kills the process and releases the rest.
 */
export class StartupWorld {
  readonly dir = tempDir();
  readonly loopback = new Loopback();
  discord: FakeDiscord | undefined;
  run: BotProcess | undefined;

  /** The bot's environment: a token, a key, a store in the test's folder, and `overrides`. */
  env(overrides: Record<string, string>): Record<string, string> {
    return {
      DISCORD_TOKEN: TOKEN,
      OPENAI_API_KEY: 'sk-fake-openai-key-1234567890',
      STORE_URL: `sqlite://${join(this.dir.path, 'bot.sqlite')}`,
      ...overrides,
    };
  }

  start(env: Record<string, string>, script?: string): BotProcess {
    this.run = startBotProcess(env, this.dir.path, script);
    return this.run;
  }

  /**
   * Starts the bot (or `script`) with env(overrides), waits for it to exit, checks it exited 1 with
   * exactly one line on stderr and no stack trace anywhere, and returns that line.
   */
  async failedStart(overrides: Record<string, string>, script?: string): Promise<string> {
    const run = this.start(this.env(overrides), script);
    expect(await run.exited, run.output()).toBe(1);
    const lines = run.stderr().split('\n').filter((line) => line !== '');
    expect(lines, run.output()).toHaveLength(1);
    expect(run.output()).not.toMatch(STACK_FRAME);
    return lines[0] ?? '';
  }

  async close(): Promise<void> {
    this.run?.child.kill('SIGKILL');
    await this.run?.exited;
    await this.loopback.close();
    await this.discord?.close();
    this.dir.cleanup();
  }
}
