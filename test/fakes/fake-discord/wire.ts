/**
 * Small wire-level helpers shared by the REST and gateway halves of the fake: snowflakes,
 * Discord's timestamp format, its JSON error bodies, and narrowing of untrusted JSON.
 */

const DISCORD_EPOCH = 1_420_070_400_000n;

/** Issues snowflakes that encode the current time and strictly increase, as Discord's do. */
export class SnowflakeSource {
  #last = 0n;

  next(): string {
    let id = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
    if (id <= this.#last) id = this.#last + 1n;
    this.#last = id;
    return id.toString();
  }
}

/** Discord writes microsecond ISO timestamps with an explicit offset. */
export function discordTimestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '000+00:00');
}

/** An error the REST layer turns into a response exactly as Discord would send it. */
export class DiscordHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body['message'] === 'string' ? body['message'] : `HTTP ${status}`);
  }
}

export function apiError(status: number, code: number, message: string): DiscordHttpError {
  return new DiscordHttpError(status, { message, code });
}

export const errors = {
  unauthorized: () => apiError(401, 0, '401: Unauthorized'),
  notFound: () => apiError(404, 0, '404: Not Found'),
  methodNotAllowed: () => apiError(405, 0, '405: Method Not Allowed'),
  unknownChannel: () => apiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => apiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => apiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => apiError(404, 10008, 'Unknown Message'),
  unknownUser: () => apiError(404, 10013, 'Unknown User'),
  unknownWebhook: () => apiError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => apiError(404, 10062, 'Unknown interaction'),
  missingAccess: () => apiError(403, 50001, 'Missing Access'),
  cannotActOnDm: () => apiError(403, 50003, 'Cannot execute action on a DM channel'),
  cannotEditOthers: () => apiError(403, 50005, 'Cannot edit a message authored by another user'),
  emptyMessage: () => apiError(400, 50006, 'Cannot send an empty message'),
  alreadyAcknowledged: () => apiError(400, 40060, 'Interaction has already been acknowledged.'),
} as const;

/**
 * Discord's 50035 "Invalid Form Body": `errors` nests by field path and ends in `_errors`,
 * e.g. `{ content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: '…' }] } }`.
 */
export function formError(path: ReadonlyArray<string | number>, code: string, message: string): DiscordHttpError {
  let node: Record<string, unknown> = { _errors: [{ code, message }] };
  for (const key of [...path].reverse()) node = { [String(key)]: node };
  return new DiscordHttpError(400, { message: 'Invalid Form Body', code: 50035, errors: node });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function recordOrEmpty(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** A deep copy through JSON, which is also exactly what a client would receive. */
export function jsonCopy(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
