/**
 * What a person sees when the bot (or deploy-commands) cannot start: one line that says what
 * failed and what to check, instead of a stack trace. Pure: callers wrap what only they know
 * (a timeout, a gateway close code, the store's path) in a StartupError; everything else is read
 * from the error itself (Node's system errors, discord.js's token error, HTTP statuses).
 */
import { z } from 'zod';
import { ConfigError } from './config.js';
import { redactSecrets } from './redact.js';

/** Where discord.js sends REST requests when DISCORD_API_URL is unset. */
export const DEFAULT_DISCORD_API_URL = 'https://discord.com/api';

export type StartupFailure =
  /** The REST API did not answer `request` (e.g. "GET /gateway/bot") in time. */
  | { readonly kind: 'api-silent'; readonly url: string; readonly request: string; readonly timeoutMs: number }
  /** The API answered, but the gateway at `url` did not get as far as READY in time. */
  | { readonly kind: 'gateway-silent'; readonly url: string; readonly timeoutMs: number }
  /** The gateway closed with a code discord.js does not retry. */
  | { readonly kind: 'gateway-closed'; readonly code: number }
  /** The session store could not be opened; `isDirectory` when a folder stands at its path. */
  | { readonly kind: 'store'; readonly storeUrl: string; readonly path: string; readonly isDirectory: boolean }
  /** A Redis or PostgreSQL store could not be reached or used; `store` is its URL without the password. */
  | { readonly kind: 'store-server'; readonly server: 'Redis' | 'PostgreSQL'; readonly store: string }
  /** The health and metrics server could not listen on HTTP_HOST:HTTP_PORT. */
  | { readonly kind: 'http-listen'; readonly host: string; readonly port: number };

export class StartupError extends Error {
  override readonly name = 'StartupError';

  constructor(
    readonly failure: StartupFailure,
    options: { readonly cause?: unknown } = {},
  ) {
    super(`start-up failed (${failure.kind})`, options);
  }
}

export interface StartupContext {
  /** DISCORD_API_URL as configured; undefined means discord.js's default. */
  readonly apiUrl?: string | undefined;
  /** Values never to print, should an unexpected error's message carry one. */
  readonly secrets?: readonly string[];
  /** The process logs an unexpected error's details at LOG_LEVEL=debug (the bot does, deploy-commands not). */
  readonly logsDetails?: boolean;
}

const PREFIX = 'contextcord: ';
const PORTAL_TOKEN = 'Developer Portal → your application → Bot → Reset Token';
const PORTAL_INTENTS = 'Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent';
const WAIT_SETTING = 'STARTUP_TIMEOUT_MS sets how long to wait';

/** The one line for an error that stopped start-up, "contextcord: " first, no newline. */
export function startupLine(error: unknown, context: StartupContext = {}): string {
  return PREFIX + redactSecrets(oneLine(describe(error, context)), context.secrets ?? []);
}

function describe(error: unknown, context: StartupContext): string {
  if (error instanceof ConfigError) return `${error.message}. See .env.example and the README's configuration table.`;
  if (error instanceof StartupError) return describeFailure(error.failure, error.cause, context);
  const refused = tokenRefusal(error);
  if (refused !== undefined) return tokenRefused(refused);
  const missingAccess = commandsMissingAccess(error);
  if (missingAccess !== undefined) return missingAccess;
  const network = networkProblem(error, context);
  if (network !== undefined) return network;
  if (abortShape.safeParse(error).success) {
    // discord.js's own limit, reached only when STARTUP_TIMEOUT_MS is longer than it.
    const api = hostOf(context.apiUrl ?? DEFAULT_DISCORD_API_URL);
    return `Discord's API at ${api} did not answer: discord.js gave up waiting (AbortError). Check the network, a proxy or firewall, and DISCORD_API_URL (${apiSetting(context)}).`;
  }
  return `could not start: ${errorText(error)}.${context.logsDetails === true ? ' Run with LOG_LEVEL=debug for the details.' : ''}`;
}

function describeFailure(failure: StartupFailure, cause: unknown, context: StartupContext): string {
  switch (failure.kind) {
    case 'api-silent':
      return `Discord's API at ${hostOf(failure.url)} did not answer ${failure.request} within ${seconds(failure.timeoutMs)}. Check the network, a proxy or firewall, and DISCORD_API_URL (${apiSetting(context)}); ${WAIT_SETTING}.`;
    case 'gateway-silent':
      return `Discord's gateway at ${hostOf(failure.url)} did not let the bot connect within ${seconds(failure.timeoutMs)} (its API answered). Check that the network, a proxy or firewall lets WebSockets through to it; ${WAIT_SETTING}.`;
    case 'gateway-closed':
      return gatewayClosed(failure.code);
    case 'store':
      return `cannot open the store ${failure.path} (STORE_URL=${failure.storeUrl}): ${storeProblem(failure, cause)}.`;
    case 'store-server':
      return `cannot use the store ${failure.store} (STORE_URL): ${serverProblem(failure.server, cause)}`;
    case 'http-listen':
      return `cannot serve health and metrics on ${failure.host} port ${failure.port} (HTTP_HOST, HTTP_PORT): ${listenProblem(cause)}. Choose another HTTP_PORT or HTTP_HOST, or unset HTTP_PORT to turn the endpoints off.`;
  }
}

const LISTEN_PROBLEMS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'another process is listening on that port',
  EACCES: 'not allowed to listen there (ports below 1024 need privileges)',
  EADDRNOTAVAIL: "the address is not one of this machine's",
  ENOTFOUND: 'the host name was not found',
  EAI_AGAIN: 'the host name could not be looked up for now',
};

function listenProblem(cause: unknown): string {
  const parsed = systemErrorShape.safeParse(cause);
  if (!parsed.success) return errorText(cause);
  return `${LISTEN_PROBLEMS[parsed.data.code] ?? errorText(cause)} (${parsed.data.code})`;
}

// ---- Discord: the token, the gateway ----------------------------------------------------------

/** What refused the token: "HTTP 401 on GET /gateway/bot", or undefined if the error is not that. */
function tokenRefusal(error: unknown): string | undefined {
  const parsed = httpErrorShape.safeParse(error);
  if (!parsed.success) return undefined;
  const { code, status, method, url } = parsed.data;
  // discord.js turns the 401 on GET /gateway/bot, its first request, into TokenInvalid.
  if (code === 'TokenInvalid') return 'HTTP 401 on GET /gateway/bot';
  if (status !== 401) return undefined;
  return method !== undefined && url !== undefined ? `HTTP 401 on ${method} ${pathOf(url)}` : 'HTTP 401';
}

const abortShape = z.object({ name: z.literal('AbortError') });

const httpErrorShape = z.object({
  code: z.union([z.string(), z.number()]).optional(),
  status: z.number().optional(),
  method: z.string().optional(),
  url: z.string().optional(),
});

/**
 * Discord's 50001 Missing Access on registering a server's commands: the bot is not in that
 * server, or was invited without the applications.commands scope.
 */
function commandsMissingAccess(error: unknown): string | undefined {
  const parsed = httpErrorShape.safeParse(error);
  if (!parsed.success || parsed.data.code !== 50001 || parsed.data.url === undefined) return undefined;
  const guild = /\/guilds\/(\d+)\/commands/.exec(parsed.data.url)?.[1];
  if (guild === undefined) return undefined;
  return `Discord refused to register the slash commands in server ${guild} (50001 Missing Access): the bot is not in that server, or was invited without the applications.commands scope. Invite it with both scopes bot and applications.commands (see the README), or unset DISCORD_GUILD_ID to register globally.`;
}

function tokenRefused(how: string): string {
  return `Discord refused the bot token (${how}): it is wrong or was reset. Put a new one in DISCORD_TOKEN: ${PORTAL_TOKEN}.`;
}

/** Discord's names for its gateway close codes (docs: Opcodes and Status Codes → Gateway Close Event Codes). */
const CLOSE_CODE_NAMES: Readonly<Record<number, string>> = {
  4000: 'Unknown error',
  4001: 'Unknown opcode',
  4002: 'Decode error',
  4003: 'Not authenticated',
  4004: 'Authentication failed',
  4005: 'Already authenticated',
  4007: 'Invalid seq',
  4008: 'Rate limited',
  4009: 'Session timed out',
  4010: 'Invalid shard',
  4011: 'Sharding required',
  4012: 'Invalid API version',
  4013: 'Invalid intent(s)',
  4014: 'Disallowed intent(s)',
};

function gatewayClosed(code: number): string {
  const name = CLOSE_CODE_NAMES[code];
  const closed = `gateway close code ${code}${name === undefined ? '' : `, ${name}`}`;
  if (code === 4004) return tokenRefused(closed);
  if (code === 4014) {
    // Message Content is the only privileged intent the bot asks for (src/bot.ts INTENTS).
    return `Discord refused the Message Content intent (${closed}). Enable it: ${PORTAL_INTENTS}, save, and start again.`;
  }
  if (code === 4011) return `Discord requires sharding for a bot in this many servers (${closed}), which contextcord does not do yet.`;
  return `Discord's gateway closed the connection (${closed}) and will not be retried. See Discord's gateway close event codes for what it means.`;
}

// ---- the network --------------------------------------------------------------------------------

/** Node's system errors (net, dns, tls) and undici's, as far as they are read here. */
const systemErrorShape = z.object({
  code: z.string(),
  hostname: z.string().optional(),
  address: z.string().optional(),
  port: z.number().optional(),
  host: z.string().optional(),
});
type SystemError = z.infer<typeof systemErrorShape>;

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What went wrong, for the codes a person can act on by checking the network. */
const NETWORK_PROBLEMS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the name was not found in DNS',
  EAI_AGAIN: 'the DNS lookup failed for now',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENETDOWN: 'the network is down',
};

function networkProblem(error: unknown, context: StartupContext): string | undefined {
  const found = findInChain(error, (e) => {
    const parsed = systemErrorShape.safeParse(e);
    return parsed.success && (parsed.data.code in NETWORK_PROBLEMS || TLS_CODES.has(parsed.data.code)) ? parsed.data : undefined;
  });
  if (found === undefined) return undefined;
  const where = endpoint(found, context);
  if (TLS_CODES.has(found.code)) {
    return `cannot reach Discord at ${where}: its TLS certificate was not trusted (${found.code}). Check the system clock, DISCORD_API_URL (${apiSetting(context)}), and for a proxy that inspects TLS, NODE_EXTRA_CA_CERTS.`;
  }
  const dns = found.code === 'ENOTFOUND' || found.code === 'EAI_AGAIN';
  const check = dns ? 'the network and DNS' : 'the network, a proxy or firewall';
  return `cannot reach Discord at ${where}: ${NETWORK_PROBLEMS[found.code] ?? found.code} (${found.code}). Check ${check}, and DISCORD_API_URL (${apiSetting(context)}).`;
}

/** The host the failing connection went to, as the error names it, else as configured. */
function endpoint(error: SystemError, context: StartupContext): string {
  if (error.hostname !== undefined) return error.hostname;
  if (error.address !== undefined) return error.port === undefined ? error.address : `${error.address}:${error.port}`;
  if (error.host !== undefined) return error.host;
  return hostOf(context.apiUrl ?? DEFAULT_DISCORD_API_URL);
}

// ---- the store ----------------------------------------------------------------------------------

const storeErrorShape = z.object({ code: z.string(), path: z.string().optional() });

function storeProblem(failure: Extract<StartupFailure, { kind: 'store' }>, cause: unknown): string {
  if (failure.isDirectory) {
    return `it is a folder; STORE_URL must name a file, e.g. sqlite://${failure.path.replace(/\/+$/, '')}/contextcord.sqlite`;
  }
  const parsed = storeErrorShape.safeParse(cause);
  if (!parsed.success) return `${errorText(cause)}; check the path and its permissions`;
  const { code, path } = parsed.data;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}${path === undefined ? '' : ` on ${path}`}): let this user create and write the file and its folder, or choose another STORE_URL`;
    case 'EROFS':
    case 'SQLITE_READONLY':
      return `it is read-only (${code}): choose a writable place in STORE_URL`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `a file stands where a folder of the path should be (${code}${path === undefined ? '' : ` at ${path}`}): choose another STORE_URL`;
    case 'ENOSPC':
    case 'SQLITE_FULL':
      return `the disk is full (${code}): free some space`;
    case 'SQLITE_NOTADB':
      return 'it is not an SQLite database (SQLITE_NOTADB): point STORE_URL at a new file, or restore this one from a backup';
    case 'SQLITE_CORRUPT':
      return 'the database is damaged (SQLITE_CORRUPT): restore it from a backup, or point STORE_URL at a new file';
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return `another process holds it locked (${code}): stop the other contextcord that uses this STORE_URL, or choose another`;
    case 'SQLITE_CANTOPEN':
      return 'SQLite cannot open it (SQLITE_CANTOPEN): check that its folder exists and that this user may create and write files there';
    default:
      return `${errorText(cause)}; check the path and its permissions`;
  }
}

/** Redis's and PostgreSQL's answers to a connection that cannot be used, by their code. */
const SERVER_REFUSALS: ReadonlyArray<{ readonly test: RegExp; readonly problem: string }> = [
  { test: /^(WRONGPASS|NOAUTH)\b/, problem: 'it refused the user name or password ($1): check them in STORE_URL' },
  { test: /^NOPERM\b/, problem: 'this user may not run what the store needs (NOPERM): allow it GET, SET, EVAL, ZADD and friends on the namespace' },
  { test: /^READONLY\b/, problem: 'it is a read-only replica (READONLY): point STORE_URL at the primary' },
  { test: /^(LOADING|MASTERDOWN|BUSY)\b/, problem: 'it cannot serve yet ($1): wait for it, then start again' },
  { test: /^ERR .*(DB index is out of range|invalid DB index)/i, problem: 'it has no such database number: choose one below its databases setting' },
  { test: /^ERR AUTH .*without any password configured/i, problem: 'STORE_URL gives a password, but the server has none set for this user: remove it, or set one on the server' },
];

/** PostgreSQL's SQLSTATE codes a person can act on. */
const POSTGRES_CODES: Readonly<Record<string, string>> = {
  '28P01': 'it refused the password (28P01): check the user name and password in STORE_URL',
  '28000': 'it refused this user from this host (28000): allow it in pg_hba.conf, or check the user and sslmode in STORE_URL',
  '3D000': 'the database does not exist (3D000): create it (createdb NAME) or name another in STORE_URL',
  '42501': 'this user may not create or write the store\'s table (42501): grant it CREATE on the schema, or create the table for it',
  '3F000': 'the schema does not exist and this user may not create it (3F000): create it, or name another with ?schema=',
  '53300': 'it has no connection free (53300, too many clients): raise max_connections or lower other clients\' pools',
  '57P03': 'it is starting up or shutting down (57P03): wait for it, then start again',
  '25006': 'it is a read-only standby (25006): point STORE_URL at the primary',
};

const serverErrorShape = z.object({ code: z.string().optional(), message: z.string(), name: z.string() });

function serverProblem(server: 'Redis' | 'PostgreSQL', cause: unknown): string {
  const network = findInChain(cause, (e) => {
    const parsed = systemErrorShape.safeParse(e);
    return parsed.success && (parsed.data.code in NETWORK_PROBLEMS || TLS_CODES.has(parsed.data.code)) ? parsed.data.code : undefined;
  });
  const check = `Check that ${server} runs there and that this machine may reach it, or fix STORE_URL.`;
  if (network !== undefined) {
    if (TLS_CODES.has(network)) return `its TLS certificate was not trusted (${network}). Check the system clock, the server's certificate, and for your own CA, NODE_EXTRA_CA_CERTS.`;
    return `${NETWORK_PROBLEMS[network] ?? network} (${network}). ${check}`;
  }
  const known = findInChain(cause, (e) => {
    const parsed = serverErrorShape.safeParse(e);
    if (!parsed.success) return undefined;
    const { code, message, name } = parsed.data;
    if (server === 'PostgreSQL' && code !== undefined && code in POSTGRES_CODES) return POSTGRES_CODES[code];
    if (name === 'ConnectionTimeoutError' || /connection timeout|timeout expired/i.test(message)) return `it did not answer within 5 s. ${check}`;
    if (/does not support SSL/i.test(message)) return 'it does not offer TLS: use sslmode=disable, or enable TLS on the server';
    if (/wrong version number|packet length too long|SSL routines/i.test(message)) return 'TLS did not work with it: check sslmode or rediss:// against what the server offers';
    for (const refusal of SERVER_REFUSALS) {
      const match = refusal.test.exec(message);
      if (match !== null) return refusal.problem.replace('$1', match[1] ?? '');
    }
    return undefined;
  });
  if (known !== undefined) return known.endsWith('.') ? known : `${known}.`;
  return `${errorText(cause)}. ${check}`;
}

// ---- text ---------------------------------------------------------------------------------------

/** The first error in `error`'s cause chain (and AggregateError's list) that `pick` accepts. */
function findInChain<T>(error: unknown, pick: (e: unknown) => T | undefined): T | undefined {
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && seen.size < 20) {
    const next = queue.shift();
    if (next === undefined || next === null || seen.has(next)) continue;
    seen.add(next);
    const picked = pick(next);
    if (picked !== undefined) return picked;
    if (next instanceof AggregateError) queue.push(...(next.errors as unknown[]));
    if (next instanceof Error) queue.push(next.cause);
  }
  return undefined;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message === '' ? error.name : `${error.name}: ${error.message}`;
  return String(error);
}

function apiSetting(context: StartupContext): string {
  return context.apiUrl === undefined ? `unset, so ${DEFAULT_DISCORD_API_URL}` : `now ${context.apiUrl}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function pathOf(url: string): string {
  try {
    // discord.js's URLs carry the API version: /api/v10/gateway/bot reads better as /gateway/bot.
    return new URL(url).pathname.replace(/^.*?\/api(\/v\d+)?(?=\/)/, '');
  } catch {
    return url;
  }
}

function seconds(ms: number): string {
  return `${Number.isInteger(ms / 1000) ? String(ms / 1000) : (ms / 1000).toFixed(1)} s`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
