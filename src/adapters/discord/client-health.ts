import { type Client, Events, RESTEvents, Status } from 'discord.js';

export type RateLimitScope = 'user' | 'global' | 'shared';

/** What the Discord client reports about its connection to Discord, for metrics. */
export interface DiscordObserver {
  /** Discord answered a REST request with 429 (discord.js waits and sends it again). */
  restRateLimited(scope: RateLimitScope): void;
  /** discord.js held a request back because its bucket was used up, before Discord had to say 429. */
  restHeldBack(global: boolean): void;
  /** A gateway connection closed and the shard is reconnecting (to resume, or to identify anew). */
  gatewayReconnecting(): void;
  /** A shard resumed its session, missing no event. */
  gatewayResumed(): void;
}

/**
 * Passes the client's REST and gateway events to `observer`. A 429 is read from the REST
 * `response` event: discord.js's own `rateLimited` event fires only when it holds a request back
 * on what the headers said, not when Discord answers 429.
 */
export function watchClient(client: Client, observer: DiscordObserver): void {
  client.rest.on(RESTEvents.Response, (_request, response) => {
    if (response.status === 429) observer.restRateLimited(scopeOf(response.headers.get('x-ratelimit-scope')));
  });
  client.rest.on(RESTEvents.RateLimited, (info) => observer.restHeldBack(info.global));
  client.on(Events.ShardReconnecting, () => observer.gatewayReconnecting());
  client.on(Events.ShardResume, () => observer.gatewayResumed());
}

/**
 * Why the client cannot take events now, or undefined when it can: logged in, and every shard's
 * connection ready (not connecting, resuming or gone).
 */
export function gatewayProblem(client: Client): string | undefined {
  if (!client.isReady()) return 'not logged in to the gateway';
  const waiting = client.ws.shards.filter((shard) => shard.status !== Status.Ready);
  if (waiting.size > 0) return `shard ${waiting.map((shard) => String(shard.id)).join(', ')} not connected`;
  return undefined;
}

function scopeOf(header: string | null): RateLimitScope {
  // Discord's header; discord.js treats a 429 without it as the user's own limit, as here.
  return header === 'global' || header === 'shared' ? header : 'user';
}
