import { z } from 'zod';
import { DEFAULT_STORE_URL, parseStoreUrl, StoreUrlError } from './adapters/store/store-url.js';

const snowflake = z.string().regex(/^\d{17,20}$/, 'expected a Discord id (17 to 20 digits)');

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `expected a whole number from ${min} to ${max}`).max(max, `expected a whole number from ${min} to ${max}`));

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const idList = z
  .string()
  .trim()
  .transform((v) => v.split(/[\s,]+/).filter((id) => id !== ''))
  .pipe(z.array(z.string().regex(/^\d{17,20}$/, 'expected Discord ids (17 to 20 digits) separated by commas')))
  .transform((ids) => new Set(ids));

const shardIds = z
  .string()
  .trim()
  .transform((v) => v.split(/[\s,]+/).filter((id) => id !== ''))
  .pipe(
    z
      .array(z.string().regex(/^\d{1,6}$/, 'expected shard ids (whole numbers from 0) separated by commas, e.g. 0,1'))
      .min(1, 'expected shard ids (whole numbers from 0) separated by commas, e.g. 0,1')
      .refine((ids) => new Set(ids.map(Number)).size === ids.length, 'expected each shard id once'),
  )
  .transform((ids) => ids.map(Number));

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant in a Discord chat. Several people may talk to you; each user message starts with the speaker\'s display name and a colon. Answer concisely and use Discord markdown.';

const TOKEN_HELP = 'is required: the bot token from the Discord developer portal (Bot → Reset Token)';
const KEY_HELP = 'is required: an API key for the model server (any text for servers that need none, e.g. Ollama)';

/** Every environment variable the bot reads, validated together so one run names every problem. */
const configFields = {
    DISCORD_TOKEN: z.string({ error: TOKEN_HELP }).trim().min(1, TOKEN_HELP),
    OPENAI_API_KEY: z
      .string({ error: KEY_HELP })
      .trim()
      .min(1, KEY_HELP)
      .transform((v) => v.split(',').map((k) => k.trim()).filter((k) => k !== ''))
      .pipe(z.array(z.string()).min(1, KEY_HELP)),
    OPENAI_BASE_URL: url.optional(),
    OPENAI_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
    SYSTEM_PROMPT: z.string().default(DEFAULT_SYSTEM_PROMPT),
    MODELS: z
      .string()
      .trim()
      .transform((v) => [...new Set(v.split(',').map((m) => m.trim()).filter((m) => m !== ''))])
      .pipe(z.array(z.string().max(100, 'expected model names of at most 100 characters')).min(1, 'expected model names separated by commas'))
      .optional(),
    OPENAI_EXTRA_BODY: z
      .string()
      .transform((v, ctx) => {
        try {
          return JSON.parse(v) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'expected a JSON object, e.g. {"keep_alive":"5m"}' });
          return z.NEVER;
        }
      })
      .pipe(z.record(z.string(), z.unknown(), { error: 'expected a JSON object, e.g. {"keep_alive":"5m"}' }))
      .optional(),
    TIMEZONE: z
      .string()
      .trim()
      .refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin or UTC')
      .optional(),
    HISTORY_LIMIT: int(1, 1000).default(100),
    CONTEXT_TOKENS: int(256, 2_000_000).default(8192),
    MAX_REPLY_TOKENS: int(16, 1_000_000).default(1024),
    MAX_TOKENS_PARAM: z
      .enum(['auto', 'max_tokens', 'max_completion_tokens'], { error: 'expected auto, max_tokens or max_completion_tokens' })
      .default('auto'),
    MAX_MESSAGE_CHARS: int(1, 100_000).default(4000),
    STORE_URL: z
      .string()
      .trim()
      .superRefine((value, context) => {
        try {
          parseStoreUrl(value);
        } catch (error) {
          context.addIssue({ code: 'custom', message: error instanceof StoreUrlError ? error.message : String(error) });
        }
      })
      .default(DEFAULT_STORE_URL),
    DISCORD_GUILD_ID: snowflake.optional(),
    DISCORD_API_URL: url.optional(),
    REGISTER_COMMANDS_ON_START: bool.default(false),
    OPENAI_MAX_RETRIES: int(0, 10).default(3),
    OPENAI_TIMEOUT_MS: int(1000, 600_000).default(60_000),
    OPENAI_IDLE_TIMEOUT_MS: int(1000, 600_000).default(30_000),
    MAX_CONCURRENT_COMPLETIONS: int(1, 1000).default(8),
    USER_RATE_LIMIT: int(0, 10_000).default(6),
    ALLOWED_GUILD_IDS: idList.optional(),
    ALLOWED_CHANNEL_IDS: idList.optional(),
    ALLOWED_ROLE_IDS: idList.optional(),
    BLOCKED_USER_IDS: idList.optional(),
    VISION: bool.default(false),
    MAX_ATTACHMENT_BYTES: int(0, 10_000_000).default(20_000),
    SESSION_CACHE_MESSAGES: int(0, 10_000_000).default(20_000),
    QUARANTINE_DAYS: int(1, 3650).default(30),
    // 8 s: with the client's own teardown the whole stop fits Docker's 10 s before it kills the process.
    SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(8_000),
    // 30 s: longer than any delivery takes (a long answer's pieces under Discord's per-channel limit), so
    // an answer another process is still delivering in a rolling deploy is left to it.
    DELIVERY_GRACE_MS: int(0, 3_600_000).default(30_000),
    // 15 s for logging in leaves node's own start and the store's open room within 20 s in all.
    STARTUP_TIMEOUT_MS: int(1000, 600_000).default(15_000),
    // Off unless set: the endpoints tell anyone who can reach them how busy the bot is.
    HTTP_PORT: int(0, 65535).optional(),
    HTTP_HOST: z
      .string()
      .trim()
      .regex(/^[\w.:-]+$/, 'expected an address to listen on, e.g. 127.0.0.1, 0.0.0.0 or ::')
      .default('127.0.0.1'),
    // Shards (see the README's Sharding section). `auto` asks Discord's GET /gateway/bot for the number.
    SHARD_COUNT: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^(auto|[1-9]\d{0,4}|100000)$/, 'expected auto or a whole number from 1 to 100000')
      .transform((v): 'auto' | number => (v === 'auto' ? 'auto' : Number(v)))
      .default('auto'),
    SHARD_IDS: shardIds.optional(),
    // Discord lets a bot IDENTIFY once per 5 s (per max_concurrency bucket); discord.js's manager waits 5.5 s.
    SHARD_SPAWN_DELAY_MS: int(0, 600_000).default(5_500),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

interface CrossChecked {
  MAX_REPLY_TOKENS: number;
  CONTEXT_TOKENS: number;
  SHARD_COUNT: 'auto' | number;
  SHARD_IDS?: readonly number[] | undefined;
}

function withRules<T extends z.ZodType<CrossChecked>>(schema: T): T {
  return schema.superRefine((c, context) => {
    if (c.MAX_REPLY_TOKENS >= c.CONTEXT_TOKENS) {
      context.addIssue({
        code: 'custom',
        path: ['MAX_REPLY_TOKENS'],
        message: 'must be smaller than CONTEXT_TOKENS (the prompt budget is their difference)',
      });
    }
    const problem = shardIdsProblem(c.SHARD_IDS, c.SHARD_COUNT);
    if (problem !== undefined) context.addIssue({ code: 'custom', path: ['SHARD_IDS'], message: problem });
  });
}

/** SHARD_IDS picks shards out of a known total: each below SHARD_COUNT, which must then be a number. */
function shardIdsProblem(ids: readonly number[] | undefined, count: 'auto' | number): string | undefined {
  if (ids === undefined) return undefined;
  if (count === 'auto') return 'needs SHARD_COUNT set to the number of shards across every host (not auto), so each host runs its part of the same split';
  const outside = ids.filter((id) => id >= count);
  if (outside.length > 0) return `expected shard ids from 0 to ${String(count - 1)} (SHARD_COUNT is ${String(count)}), got ${outside.join(', ')}`;
  return undefined;
}

export const configSchema = withRules(z.object(configFields));

/** A model server named in MODELS as `provider/model`, with its own base URL and key pool. */
export interface Provider {
  /** As MODELS writes it (`ollama` in `ollama/llama3.1`). */
  readonly name: string;
  readonly baseURL: string;
  readonly apiKeys: readonly string[];
}

export type Config = z.infer<typeof configSchema> & {
  /** From `<PROVIDER>_BASE_URL` and `<PROVIDER>_API_KEY`, for the providers MODELS names. */
  readonly providers: readonly Provider[];
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Variables whose empty value means something: `SYSTEM_PROMPT=` asks for no system message,
 * which is not the same as leaving it out (the default prompt).
 */
const EMPTY_IS_A_VALUE: ReadonlySet<string> = new Set(['SYSTEM_PROMPT']);

/**
 * Reads the configuration. Empty variables count as unset, as `.env` files often carry `KEY=` lines
 * (except those in EMPTY_IS_A_VALUE). Throws one ConfigError naming every bad variable and what it
 * expects; values are never echoed, since some are secrets.
 */
export function loadConfig(env: NodeJS.ProcessEnv, options: { surface?: 'discord' | 'terminal' } = {}): Config {
  // The terminal chat never talks to Discord, so it does not ask for a token it would not use.
  const schema = options.surface === 'terminal' ? withRules(z.object({ ...configFields, DISCORD_TOKEN: z.string().default('') })) : configSchema;
  const config = readEnvironment(schema, env);
  return { ...config, providers: readProviders(env, config.MODELS ?? []) };
}

/**
 * The providers MODELS names: an entry `name/model` whose `NAME_BASE_URL` is set (the name upper
 * cased, `-` and `.` as `_`) goes to that server, with `NAME_API_KEY` (comma-separated keys, a pool
 * of its own; servers that need none, such as Ollama, may leave it unset). Any other entry is a
 * model name of the main server, slashes and all (OpenRouter's `meta-llama/…`). `openai/` names
 * the main server itself, so it is never a provider of its own.
 */
export function readProviders(env: NodeJS.ProcessEnv, models: readonly string[]): Provider[] {
  const providers = new Map<string, Provider>();
  const problems: string[] = [];
  for (const model of models) {
    const slash = model.indexOf('/');
    if (slash <= 0) continue;
    const name = model.slice(0, slash);
    const prefix = providerPrefix(name);
    if (prefix === 'OPENAI' || providers.has(name)) continue;
    const baseURL = env[`${prefix}_BASE_URL`]?.trim() ?? '';
    if (baseURL === '') continue;
    if (!url.safeParse(baseURL).success) {
      problems.push(`${prefix}_BASE_URL: expected an http(s) URL`);
      continue;
    }
    const apiKeys = (env[`${prefix}_API_KEY`] ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
    // The SDK wants some key; a server that checks none ignores this one.
    providers.set(name, { name, baseURL, apiKeys: apiKeys.length > 0 ? apiKeys : ['none'] });
  }
  if (problems.length > 0) throw new ConfigError(`Configuration problem${problems.length > 1 ? 's' : ''}: ${problems.join('; ')}`);
  return [...providers.values()];
}

/** `ollama` → `OLLAMA`, `lm-studio` → `LM_STUDIO`: the prefix of a provider's variables. */
export function providerPrefix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** What `npm run deploy-commands` reads: it logs in and registers commands, nothing more. */
export const deployConfigSchema = z.object({
  DISCORD_TOKEN: configSchema.shape.DISCORD_TOKEN,
  DISCORD_GUILD_ID: configSchema.shape.DISCORD_GUILD_ID,
  DISCORD_API_URL: configSchema.shape.DISCORD_API_URL,
  STARTUP_TIMEOUT_MS: configSchema.shape.STARTUP_TIMEOUT_MS,
});

export type DeployConfig = z.infer<typeof deployConfigSchema>;

/** As loadConfig, for deploy-commands: the model server's variables are neither needed nor checked. */
export function loadDeployConfig(env: NodeJS.ProcessEnv): DeployConfig {
  return readEnvironment(deployConfigSchema, env);
}

/** What `npm run backup` reads: only where the store is. */
export const storeConfigSchema = z.object({ STORE_URL: configSchema.shape.STORE_URL });

export type StoreConfig = z.infer<typeof storeConfigSchema>;

/** As loadConfig, for tools that work on the store alone (backup): nothing else is needed or checked. */
export function loadStoreConfig(env: NodeJS.ProcessEnv): StoreConfig {
  return readEnvironment(storeConfigSchema, env);
}

function readEnvironment<Schema extends z.ZodObject>(schema: Schema, env: NodeJS.ProcessEnv): z.output<Schema> {
  const present = Object.fromEntries(
    Object.keys(schema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([key, value]) => value !== undefined && (value !== '' || EMPTY_IS_A_VALUE.has(key))),
  );
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  // One line per variable, even when several items of a list are wrong.
  const problems = [...new Set(parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'config')}: ${issue.message}`))];
  throw new ConfigError(`Configuration problem${problems.length > 1 ? 's' : ''}: ${problems.join('; ')}`);
}

/** Prompt tokens a request may use: the context window less the room kept for the reply. */
export function promptBudget(config: Pick<Config, 'CONTEXT_TOKENS' | 'MAX_REPLY_TOKENS'>): number {
  return config.CONTEXT_TOKENS - config.MAX_REPLY_TOKENS;
}
