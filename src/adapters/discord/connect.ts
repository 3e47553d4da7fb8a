import { type Client, type ClientEvents, Events } from 'discord.js';
import { DEFAULT_DISCORD_API_URL, StartupError, type StartupFailure } from '../../startup-errors.js';

export interface ConnectOptions {
  readonly token: string;
  /** How long logging in may take, from the first request to READY. */
  readonly timeoutMs: number;
  /** DISCORD_API_URL, to name the API's host if it never answers. */
  readonly apiUrl: string | undefined;
}

/**
 * Logs in and resolves once the client is ready, or rejects within `timeoutMs`. Left to itself,
 * discord.js waits about 60 s for a silent API (a 15 s timeout, tried four times) and retries a
 * silent gateway for ever; and the error it rejects with on an unrecoverable gateway close
 * ("Authentication failed") does not carry the close code, which its shardDisconnect event does.
 * The caller destroys the client when this rejects.
 */
export async function connectWithin(client: Client, options: ConnectOptions): Promise<void> {
  let closeCode: number | undefined;
  // discord.js emits shardDisconnect only for the close codes it will not retry.
  const onDisconnect = (...[event]: ClientEvents[Events.ShardDisconnect]): void => {
    closeCode = event.code;
  };
  client.on(Events.ShardDisconnect, onDisconnect);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  const connected = client.login(options.token).then(() => ready);
  try {
    await within(connected, options.timeoutMs, () => silence(client, options));
  } catch (error) {
    if (closeCode !== undefined && !(error instanceof StartupError)) {
      throw new StartupError({ kind: 'gateway-closed', code: closeCode }, { cause: error });
    }
    throw error;
  } finally {
    client.off(Events.ShardDisconnect, onDisconnect);
  }
}

/** Which side kept quiet: the API until it has told discord.js the gateway's URL, then the gateway. */
function silence(client: Client, options: ConnectOptions): StartupError {
  const gateway = client.ws.gateway;
  const failure: StartupFailure =
    gateway === null
      ? { kind: 'api-silent', url: options.apiUrl ?? DEFAULT_DISCORD_API_URL, request: 'GET /gateway/bot', timeoutMs: options.timeoutMs }
      : { kind: 'gateway-silent', url: gateway, timeoutMs: options.timeoutMs };
  return new StartupError(failure);
}

/**
 * `work`, or the error `onTimeout` makes once `timeoutMs` have passed. The work is not stopped (the
 * caller tears down what runs it); its later failure is not left unhandled, as the race has
 * already subscribed to it.
 */
export async function within<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
