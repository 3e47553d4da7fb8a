import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, promptBudget } from '../src/config.js';
import { createLogger } from '../src/logger.js';

const required = { DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'sk-one' };

describe('loadConfig', () => {
  it('fills defaults that suit a typical server', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      HISTORY_LIMIT: 100,
      CONTEXT_TOKENS: 8192,
      MAX_REPLY_TOKENS: 1024,
      STORE_URL: 'sqlite://data/contextcord.sqlite',
      REGISTER_COMMANDS_ON_START: false,
      USER_RATE_LIMIT: 6,
      QUARANTINE_DAYS: 30,
      LOG_LEVEL: 'info',
    });
    expect(promptBudget(config)).toBe(7168);
  });

  it('treats empty values as unset, as .env files often have KEY= lines', () => {
    expect(loadConfig({ ...required, OPENAI_BASE_URL: '', DISCORD_GUILD_ID: '' }).OPENAI_BASE_URL).toBeUndefined();
  });

  it('reads several API keys and id lists', () => {
    const config = loadConfig({ ...required, OPENAI_API_KEY: 'sk-a, sk-b,,sk-c', ALLOWED_CHANNEL_IDS: '123456789012345678, 223456789012345678' });
    expect(config.OPENAI_API_KEY).toEqual(['sk-a', 'sk-b', 'sk-c']);
    expect([...(config.ALLOWED_CHANNEL_IDS ?? [])]).toEqual(['123456789012345678', '223456789012345678']);
  });

  it.each([
    [{}, /DISCORD_TOKEN: is required.*OPENAI_API_KEY: is required/],
    [{ ...required, HISTORY_LIMIT: '0' }, /HISTORY_LIMIT: expected a whole number from 1 to 1000/],
    [{ ...required, MAX_REPLY_TOKENS: '9000' }, /MAX_REPLY_TOKENS: must be smaller than CONTEXT_TOKENS/],
    [{ ...required, STORE_URL: 'mysql://x' }, /STORE_URL: expected sqlite:\/\/path/],
    [{ ...required, DISCORD_GUILD_ID: 'abc' }, /DISCORD_GUILD_ID: expected a Discord id/],
    [{ ...required, ALLOWED_ROLE_IDS: '1,2' }, /ALLOWED_ROLE_IDS: expected Discord ids/],
    [{ ...required, LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ ...required, QUARANTINE_DAYS: '0' }, /QUARANTINE_DAYS: expected a whole number from 1 to 3650/],
    [{ ...required, OPENAI_BASE_URL: 'localhost:11434' }, /OPENAI_BASE_URL: expected an http\(s\) URL/],
  ])('names what is wrong: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a value', () => {
    expect(() => loadConfig({ DISCORD_TOKEN: 'secret-token-value', OPENAI_API_KEY: 'k', HISTORY_LIMIT: 'secret-token-value' })).toThrow(
      /^(?!.*secret-token-value)/,
    );
  });
});

describe('the logger', () => {
  it('removes secrets from every line, whatever field they are in', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', secrets: ['super-secret-token', 'sk-abcdefgh'], destination: { write: (l: string) => lines.push(l) } });
    logger.info({ nested: { header: 'Bot super-secret-token' } }, 'key sk-abcdefgh failed');
    logger.error({ err: new Error('Incorrect API key provided: sk-abcdefgh') }, 'boom');
    expect(lines.join('')).not.toMatch(/super-secret-token|sk-abcdefgh/);
    expect(lines.join('')).toContain('[redacted]');
  });
});
