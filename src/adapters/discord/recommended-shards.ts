import { REST, Routes } from 'discord.js';
import { z } from 'zod';
import { DEFAULT_DISCORD_API_URL, StartupError } from '../../startup-errors.js';
import { within } from './connect.js';

/** The part of GET /gateway/bot that sharding reads. */
const gatewayBotShape = z.object({
  shards: z.number().int().min(1),
  session_start_limit: z.object({ max_concurrency: z.number().int().min(1) }),
});

export interface RecommendedShards {
  /** How many shards Discord recommends for the bot's servers. */
  readonly shards: number;
  /** How many shards may IDENTIFY in the same 5 s. */
  readonly maxConcurrency: number;
}

/**
 * Asks Discord (or DISCORD_API_URL) how many shards the bot should run. discord.js's own
 * fetchRecommendedShardCount always asks discord.com, past a REST proxy, hence this.
 */
export async function fetchRecommendedShards(options: {
  readonly token: string;
  readonly apiUrl: string | undefined;
  readonly timeoutMs: number;
}): Promise<RecommendedShards> {
  const api = options.apiUrl ?? DEFAULT_DISCORD_API_URL;
  const rest = new REST({ api, timeout: options.timeoutMs }).setToken(options.token);
  const answer = await within(rest.get(Routes.gatewayBot()), options.timeoutMs, () =>
    new StartupError({ kind: 'api-silent', url: api, request: 'GET /gateway/bot', timeoutMs: options.timeoutMs }),
  );
  const parsed = gatewayBotShape.parse(answer);
  return { shards: parsed.shards, maxConcurrency: parsed.session_start_limit.max_concurrency };
}
