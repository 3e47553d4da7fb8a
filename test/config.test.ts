import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configSchema,
  DEFAULT_SYSTEM_PROMPT,
  deployConfigSchema,
  loadConfig,
  loadDeployConfig,
  promptBudget,
} from '../src/config.js';
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
      MAX_TOKENS_PARAM: 'auto',
    });
    expect(promptBudget(config)).toBe(7168);
  });

  it('reads MAX_TOKENS_PARAM', () => {
    expect(loadConfig({ ...required, MAX_TOKENS_PARAM: 'max_tokens' }).MAX_TOKENS_PARAM).toBe('max_tokens');
    expect(loadConfig({ ...required, MAX_TOKENS_PARAM: 'max_completion_tokens' }).MAX_TOKENS_PARAM).toBe('max_completion_tokens');
  });

  it('treats empty values as unset, as .env files often have KEY= lines', () => {
    expect(loadConfig({ ...required, OPENAI_BASE_URL: '', DISCORD_GUILD_ID: '' }).OPENAI_BASE_URL).toBeUndefined();
  });

  it('SYSTEM_PROMPT set and empty means no system prompt; left out, the default one', () => {
    expect(loadConfig({ ...required, SYSTEM_PROMPT: '' }).SYSTEM_PROMPT).toBe('');
    expect(loadConfig(required).SYSTEM_PROMPT).toBe(DEFAULT_SYSTEM_PROMPT);
    expect(loadConfig({ ...required, SYSTEM_PROMPT: 'Be brief.' }).SYSTEM_PROMPT).toBe('Be brief.');
  });

  it('gives start-up 15 s by default, so it fails within 20 s in all', () => {
    expect(loadConfig(required).STARTUP_TIMEOUT_MS).toBe(15_000);
    expect(loadConfig({ ...required, STARTUP_TIMEOUT_MS: '3000' }).STARTUP_TIMEOUT_MS).toBe(3000);
  });

  it('serves health and metrics only when HTTP_PORT is set, on this machine unless HTTP_HOST says otherwise', () => {
    const config = loadConfig(required);
    expect([config.HTTP_PORT, config.HTTP_HOST]).toEqual([undefined, '127.0.0.1']);
    expect(loadConfig({ ...required, HTTP_PORT: '9464', HTTP_HOST: '0.0.0.0' })).toMatchObject({ HTTP_PORT: 9464, HTTP_HOST: '0.0.0.0' });
    expect(loadConfig({ ...required, HTTP_PORT: '0', HTTP_HOST: '::' })).toMatchObject({ HTTP_PORT: 0, HTTP_HOST: '::' });
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
    [{ ...required, STORE_URL: 'mysql://x' }, /STORE_URL: the scheme mysql:\/\/ is not supported: expected sqlite:\/\/path/],
    [{ ...required, STORE_URL: 'redis://:pw@127.0.0.1:6379/x' }, /STORE_URL: redis:\/\/:\*\*\*@127.0.0.1:6379\/x: the database must be a number/],
    [{ ...required, STORE_URL: 'postgres://u@h/d?sslmode=on' }, /STORE_URL: .*sslmode must be one of disable, prefer, require, verify-ca, verify-full/],
    [{ ...required, DISCORD_GUILD_ID: 'abc' }, /DISCORD_GUILD_ID: expected a Discord id/],
    [{ ...required, ALLOWED_ROLE_IDS: '1,2' }, /ALLOWED_ROLE_IDS: expected Discord ids/],
    [{ ...required, LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ ...required, MAX_TOKENS_PARAM: 'max_output_tokens' }, /MAX_TOKENS_PARAM: expected auto, max_tokens or max_completion_tokens/],
    [{ ...required, QUARANTINE_DAYS: '0' }, /QUARANTINE_DAYS: expected a whole number from 1 to 3650/],
    [{ ...required, OPENAI_BASE_URL: 'localhost:11434' }, /OPENAI_BASE_URL: expected an http\(s\) URL/],
    [{ ...required, STARTUP_TIMEOUT_MS: '999' }, /STARTUP_TIMEOUT_MS: expected a whole number from 1000 to 600000/],
    [{ ...required, CONTEXT_TOKENS: '2000001' }, /CONTEXT_TOKENS: expected a whole number from 256 to 2000000/],
    [{ ...required, MAX_REPLY_TOKENS: '15' }, /MAX_REPLY_TOKENS: expected a whole number from 16 to 1000000/],
    [{ ...required, HTTP_PORT: '65536' }, /HTTP_PORT: expected a whole number from 0 to 65535/],
    [{ ...required, HTTP_HOST: 'http://0.0.0.0' }, /HTTP_HOST: expected an address to listen on/],
    [{ ...required, SHARD_COUNT: '0' }, /SHARD_COUNT: expected auto or a whole number from 1 to 100000/],
    [{ ...required, SHARD_COUNT: 'two' }, /SHARD_COUNT: expected auto or a whole number from 1 to 100000/],
    [{ ...required, SHARD_COUNT: '4', SHARD_IDS: '0,x' }, /SHARD_IDS: expected shard ids \(whole numbers from 0\) separated by commas/],
    [{ ...required, SHARD_COUNT: '4', SHARD_IDS: '-1' }, /SHARD_IDS: expected shard ids/],
    [{ ...required, SHARD_COUNT: '4', SHARD_IDS: ',' }, /SHARD_IDS: expected shard ids/],
    [{ ...required, SHARD_COUNT: '4', SHARD_IDS: '1,2,1' }, /SHARD_IDS: expected each shard id once/],
    [{ ...required, SHARD_COUNT: '4', SHARD_IDS: '3,4,7' }, /SHARD_IDS: expected shard ids from 0 to 3 \(SHARD_COUNT is 4\), got 4, 7/],
    [{ ...required, SHARD_IDS: '0,1' }, /SHARD_IDS: needs SHARD_COUNT set to the number of shards across every host \(not auto\)/],
    [{ ...required, SHARD_COUNT: 'auto', SHARD_IDS: '0' }, /SHARD_IDS: needs SHARD_COUNT set/],
    [{ ...required, SHARD_SPAWN_DELAY_MS: '-5' }, /SHARD_SPAWN_DELAY_MS: expected a whole number from 0 to 600000/],
  ])('names what is wrong: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('runs every shard of SHARD_COUNT (auto by default) unless SHARD_IDS picks some, and waits 5.5 s between IDENTIFYs by default', () => {
    expect(loadConfig(required)).toMatchObject({ SHARD_COUNT: 'auto', SHARD_SPAWN_DELAY_MS: 5500 });
    expect(loadConfig(required).SHARD_IDS).toBeUndefined();
    expect(loadConfig({ ...required, SHARD_COUNT: '4' })).toMatchObject({ SHARD_COUNT: 4 });
    expect(loadConfig({ ...required, SHARD_COUNT: ' 4 ', SHARD_IDS: '2, 3' })).toMatchObject({ SHARD_COUNT: 4, SHARD_IDS: [2, 3] });
    expect(loadConfig({ ...required, SHARD_COUNT: '4', SHARD_IDS: '3 0' })).toMatchObject({ SHARD_IDS: [3, 0] });
  });

  it('names a bad SHARD_IDS together with the other bad variables', () => {
    const problems = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
      } catch (error) {
        return String(error);
      }
      return '';
    };
    expect(problems({ ...required, SHARD_COUNT: '2', SHARD_IDS: '2', HISTORY_LIMIT: '0' })).toMatch(/HISTORY_LIMIT.*SHARD_IDS: expected shard ids from 0 to 1/);
    expect(problems({ ...required, SHARD_IDS: '0', MAX_REPLY_TOKENS: '9000' })).toMatch(/MAX_REPLY_TOKENS: must be smaller.*SHARD_IDS: needs SHARD_COUNT/);
  });

  it('never echoes a value', () => {
    expect(() => loadConfig({ DISCORD_TOKEN: 'secret-token-value', OPENAI_API_KEY: 'k', HISTORY_LIMIT: 'secret-token-value' })).toThrow(
      /^(?!.*secret-token-value)/,
    );
  });
});

describe('loadDeployConfig', () => {
  it('needs only the token: the model server is not its business', () => {
    expect(loadDeployConfig({ DISCORD_TOKEN: 'token' })).toEqual({ DISCORD_TOKEN: 'token', STARTUP_TIMEOUT_MS: 15_000 });
  });

  it('reads the variables it uses, with the same definitions as the bot', () => {
    const env = { DISCORD_TOKEN: 'token', DISCORD_GUILD_ID: '100000000000000001', DISCORD_API_URL: 'http://127.0.0.1:1/api', STARTUP_TIMEOUT_MS: '2000' };
    expect(loadDeployConfig(env)).toEqual({ ...env, STARTUP_TIMEOUT_MS: 2000 });
    for (const [key, field] of Object.entries(deployConfigSchema.shape)) {
      expect(field, key).toBe(configSchema.shape[key as keyof typeof configSchema.shape]);
    }
  });

  it("names its own bad variables and ignores the rest of the bot's", () => {
    expect(() => loadDeployConfig({ DISCORD_GUILD_ID: 'abc', OPENAI_API_KEY: '', HISTORY_LIMIT: 'lots' })).toThrow(
      'Configuration problems: DISCORD_TOKEN: is required: the bot token from the Discord developer portal (Bot → Reset Token); DISCORD_GUILD_ID: expected a Discord id (17 to 20 digits)',
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

describe('per-channel control variables', () => {
  const base = { DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'sk-one' };

  it('MODELS: a de-duplicated list; the providers it names are those with a _BASE_URL, each with its own keys', () => {
    const config = loadConfig({
      ...base,
      MODELS: 'gpt-4o-mini, ollama/llama3.1, ollama/qwen2, lm-studio/phi, meta-llama/llama-3-70b, openai/gpt-4o, gpt-4o-mini',
      OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
      LM_STUDIO_BASE_URL: 'http://127.0.0.1:1234/v1',
      LM_STUDIO_API_KEY: 'k1, k2',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    });
    expect(config.MODELS).toEqual(['gpt-4o-mini', 'ollama/llama3.1', 'ollama/qwen2', 'lm-studio/phi', 'meta-llama/llama-3-70b', 'openai/gpt-4o']);
    expect(config.providers).toEqual([
      { name: 'ollama', baseURL: 'http://127.0.0.1:11434/v1', apiKeys: ['none'] },
      { name: 'lm-studio', baseURL: 'http://127.0.0.1:1234/v1', apiKeys: ['k1', 'k2'] },
    ]);
  });

  it('a provider with a bad URL, a non-object OPENAI_EXTRA_BODY and an unknown TIMEZONE each stop start-up with their name', () => {
    expect(() => loadConfig({ ...base, MODELS: 'ollama/x', OLLAMA_BASE_URL: 'not a url' })).toThrow('OLLAMA_BASE_URL: expected an http(s) URL');
    for (const body of ['[1]', '"text"', '{not json']) {
      expect(() => loadConfig({ ...base, OPENAI_EXTRA_BODY: body })).toThrow(/OPENAI_EXTRA_BODY: expected a JSON object/);
    }
    expect(loadConfig({ ...base, OPENAI_EXTRA_BODY: '{"keep_alive":"5m"}' }).OPENAI_EXTRA_BODY).toEqual({ keep_alive: '5m' });
    expect(() => loadConfig({ ...base, TIMEZONE: 'Mars/Olympus' })).toThrow('TIMEZONE: expected an IANA time zone');
    expect(loadConfig({ ...base, TIMEZONE: 'Asia/Shanghai' }).TIMEZONE).toBe('Asia/Shanghai');
  });
});
