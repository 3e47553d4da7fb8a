import { Client, DiscordAPIError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { type StartupContext, StartupError, startupLine } from '../src/startup-errors.js';

/** A Node system error as net, dns and fs make them: message, code, and the fields they set. */
function systemError(message: string, fields: Record<string, string | number>): Error {
  return Object.assign(new Error(message), fields);
}

const refused = systemError('connect ECONNREFUSED 127.0.0.1:4321', { errno: -111, code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: 4321 });
const notFound = systemError('getaddrinfo ENOTFOUND discord.com', { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'discord.com' });
const apiError = (status: number, code: number, message: string, method: string, url: string): DiscordAPIError =>
  new DiscordAPIError({ message, code }, code, status, method, url, { body: undefined, files: undefined });

// discord.js's own TokenInvalid error (its constructor is private): what login rejects with on a
// 401 from GET /gateway/bot, and, as here, on an empty token, which needs no network.
const tokenInvalid: unknown = await new Client({ intents: [] }).login('').catch((error: unknown) => error);

const store = (path: string, cause: unknown, isDirectory = false): StartupError =>
  new StartupError({ kind: 'store', storeUrl: `sqlite://${path}`, path, isDirectory }, { cause });
const TOKEN_ADVICE = 'it is wrong or was reset. Put a new one in DISCORD_TOKEN: Developer Portal → your application → Bot → Reset Token.';
const LOCAL_API: StartupContext = { apiUrl: 'http://127.0.0.1:4321/api' };

const cases: Array<[name: string, error: unknown, context: StartupContext, line: string]> = [
  [
    'a configuration problem',
    (() => {
      try {
        return loadConfig({});
      } catch (error) {
        return error;
      }
    })(),
    {},
    "Configuration problems: DISCORD_TOKEN: is required: the bot token from the Discord developer portal (Bot → Reset Token); OPENAI_API_KEY: is required: an API key for the model server (any text for servers that need none, e.g. Ollama). See .env.example and the README's configuration table.",
  ],
  [
    'DNS cannot resolve the default API host',
    notFound,
    {},
    'cannot reach Discord at discord.com: the name was not found in DNS (ENOTFOUND). Check the network and DNS, and DISCORD_API_URL (unset, so https://discord.com/api).',
  ],
  [
    'DNS fails for now',
    systemError('getaddrinfo EAI_AGAIN discord.com', { code: 'EAI_AGAIN', syscall: 'getaddrinfo', hostname: 'discord.com' }),
    {},
    'cannot reach Discord at discord.com: the DNS lookup failed for now (EAI_AGAIN). Check the network and DNS, and DISCORD_API_URL (unset, so https://discord.com/api).',
  ],
  [
    'nothing listens at DISCORD_API_URL',
    refused,
    LOCAL_API,
    'cannot reach Discord at 127.0.0.1:4321: the connection was refused (ECONNREFUSED). Check the network, a proxy or firewall, and DISCORD_API_URL (now http://127.0.0.1:4321/api).',
  ],
  [
    'a refusal wrapped as a fetch failure',
    new TypeError('fetch failed', { cause: refused }),
    LOCAL_API,
    'cannot reach Discord at 127.0.0.1:4321: the connection was refused (ECONNREFUSED). Check the network, a proxy or firewall, and DISCORD_API_URL (now http://127.0.0.1:4321/api).',
  ],
  [
    'every address of a name refused (AggregateError, as happy eyeballs reports it)',
    new AggregateError([systemError('connect ECONNREFUSED ::1:80', { code: 'ECONNREFUSED', address: '::1', port: 80 })], ''),
    {},
    'cannot reach Discord at ::1:80: the connection was refused (ECONNREFUSED). Check the network, a proxy or firewall, and DISCORD_API_URL (unset, so https://discord.com/api).',
  ],
  [
    'a TLS certificate not trusted, without a host in the error',
    systemError('self-signed certificate in certificate chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }),
    {},
    'cannot reach Discord at discord.com: its TLS certificate was not trusted (SELF_SIGNED_CERT_IN_CHAIN). Check the system clock, DISCORD_API_URL (unset, so https://discord.com/api), and for a proxy that inspects TLS, NODE_EXTRA_CA_CERTS.',
  ],
  [
    'the API silent until the deadline',
    new StartupError({ kind: 'api-silent', url: 'https://discord.com/api', request: 'GET /gateway/bot', timeoutMs: 15_000 }),
    {},
    "Discord's API at discord.com did not answer GET /gateway/bot within 15 s. Check the network, a proxy or firewall, and DISCORD_API_URL (unset, so https://discord.com/api); STARTUP_TIMEOUT_MS sets how long to wait.",
  ],
  [
    'the gateway silent until the deadline',
    new StartupError({ kind: 'gateway-silent', url: 'wss://gateway.discord.gg/', timeoutMs: 2500 }),
    {},
    "Discord's gateway at gateway.discord.gg did not let the bot connect within 2.5 s (its API answered). Check that the network, a proxy or firewall lets WebSockets through to it; STARTUP_TIMEOUT_MS sets how long to wait.",
  ],
  [
    "discord.js's own give-up, if STARTUP_TIMEOUT_MS outlasts it",
    new DOMException('This operation was aborted', 'AbortError'),
    {},
    "Discord's API at discord.com did not answer: discord.js gave up waiting (AbortError). Check the network, a proxy or firewall, and DISCORD_API_URL (unset, so https://discord.com/api).",
  ],
  ['the token refused on GET /gateway/bot (discord.js: TokenInvalid)', tokenInvalid, {}, `Discord refused the bot token (HTTP 401 on GET /gateway/bot): ${TOKEN_ADVICE}`],
  [
    'the token refused on another request',
    apiError(401, 0, '401: Unauthorized', 'GET', 'https://discord.com/api/v10/users/@me'),
    {},
    `Discord refused the bot token (HTTP 401 on GET /users/@me): ${TOKEN_ADVICE}`,
  ],
  ['the token refused by the gateway (4004)', new StartupError({ kind: 'gateway-closed', code: 4004 }), {}, `Discord refused the bot token (gateway close code 4004, Authentication failed): ${TOKEN_ADVICE}`],
  [
    'the Message Content intent not enabled (4014)',
    new StartupError({ kind: 'gateway-closed', code: 4014 }),
    {},
    'Discord refused the Message Content intent (gateway close code 4014, Disallowed intent(s)). Enable it: Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent, save, and start again.',
  ],
  [
    'sharding required (4011)',
    new StartupError({ kind: 'gateway-closed', code: 4011 }),
    {},
    'Discord requires sharding for a bot in this many servers (gateway close code 4011, Sharding required), which contextcord does not do yet.',
  ],
  [
    'a close code without a name of ours',
    new StartupError({ kind: 'gateway-closed', code: 4999 }),
    {},
    "Discord's gateway closed the connection (gateway close code 4999) and will not be retried. See Discord's gateway close event codes for what it means.",
  ],
  [
    'registering in a server the bot is not in',
    apiError(403, 50001, 'Missing Access', 'PUT', 'https://discord.com/api/v10/applications/1/guilds/100000000000000001/commands'),
    {},
    'Discord refused to register the slash commands in server 100000000000000001 (50001 Missing Access): the bot is not in that server, or was invited without the applications.commands scope. Invite it with both scopes bot and applications.commands (see the README), or unset DISCORD_GUILD_ID to register globally.',
  ],
  [
    'PostgreSQL refuses the password',
    new StartupError(
      { kind: 'store-server', server: 'PostgreSQL', store: 'postgresql://bot:***@db:5432/cc' },
      { cause: Object.assign(new Error('password authentication failed for user "bot"'), { code: '28P01', severity: 'FATAL' }) },
    ),
    {},
    'cannot use the store postgresql://bot:***@db:5432/cc (STORE_URL): it refused the password (28P01): check the user name and password in STORE_URL.',
  ],
  [
    'the PostgreSQL database does not exist',
    new StartupError(
      { kind: 'store-server', server: 'PostgreSQL', store: 'postgresql://bot@db:5432/cc' },
      { cause: Object.assign(new Error('database "cc" does not exist'), { code: '3D000' }) },
    ),
    {},
    'cannot use the store postgresql://bot@db:5432/cc (STORE_URL): the database does not exist (3D000): create it (createdb NAME) or name another in STORE_URL.',
  ],
  [
    'Redis refuses the password',
    new StartupError({ kind: 'store-server', server: 'Redis', store: 'redis://:***@cache:6379/0' }, { cause: new Error('WRONGPASS invalid username-password pair or user is disabled.') }),
    {},
    'cannot use the store redis://:***@cache:6379/0 (STORE_URL): it refused the user name or password (WRONGPASS): check them in STORE_URL.',
  ],
  [
    'Redis is a read-only replica',
    new StartupError({ kind: 'store-server', server: 'Redis', store: 'redis://replica:6379/0' }, { cause: new Error("READONLY You can't write against a read only replica.") }),
    {},
    'cannot use the store redis://replica:6379/0 (STORE_URL): it is a read-only replica (READONLY): point STORE_URL at the primary.',
  ],
  [
    'the store path is a folder',
    store('/srv/bot/data/', systemError('SQLITE_CANTOPEN: unable to open database file', { errno: 14, code: 'SQLITE_CANTOPEN' }), true),
    {},
    'cannot open the store /srv/bot/data/ (STORE_URL=sqlite:///srv/bot/data/): it is a folder; STORE_URL must name a file, e.g. sqlite:///srv/bot/data/contextcord.sqlite.',
  ],
  [
    'SQLite cannot open a file',
    store('/srv/bot/x.sqlite', systemError('SQLITE_CANTOPEN: unable to open database file', { errno: 14, code: 'SQLITE_CANTOPEN' })),
    {},
    'cannot open the store /srv/bot/x.sqlite (STORE_URL=sqlite:///srv/bot/x.sqlite): SQLite cannot open it (SQLITE_CANTOPEN): check that its folder exists and that this user may create and write files there.',
  ],
  [
    'no permission to create its folder',
    store('/srv/bot/x.sqlite', systemError("EACCES: permission denied, mkdir '/srv/bot'", { code: 'EACCES', syscall: 'mkdir', path: '/srv/bot' })),
    {},
    'cannot open the store /srv/bot/x.sqlite (STORE_URL=sqlite:///srv/bot/x.sqlite): permission denied (EACCES on /srv/bot): let this user create and write the file and its folder, or choose another STORE_URL.',
  ],
  [
    'a read-only file system',
    store('/srv/bot/x.sqlite', systemError("EROFS: read-only file system, mkdir '/srv/bot'", { code: 'EROFS', path: '/srv/bot' })),
    {},
    'cannot open the store /srv/bot/x.sqlite (STORE_URL=sqlite:///srv/bot/x.sqlite): it is read-only (EROFS): choose a writable place in STORE_URL.',
  ],
  [
    'a file in the middle of the path',
    store('/srv/notes.txt/sub/x.sqlite', systemError("ENOTDIR: not a directory, mkdir '/srv/notes.txt/sub'", { code: 'ENOTDIR', path: '/srv/notes.txt/sub' })),
    {},
    'cannot open the store /srv/notes.txt/sub/x.sqlite (STORE_URL=sqlite:///srv/notes.txt/sub/x.sqlite): a file stands where a folder of the path should be (ENOTDIR at /srv/notes.txt/sub): choose another STORE_URL.',
  ],
  [
    'a full disk',
    store('/srv/x.sqlite', systemError('SQLITE_FULL: database or disk is full', { code: 'SQLITE_FULL' })),
    {},
    'cannot open the store /srv/x.sqlite (STORE_URL=sqlite:///srv/x.sqlite): the disk is full (SQLITE_FULL): free some space.',
  ],
  [
    'a database another process holds',
    store('/srv/x.sqlite', systemError('SQLITE_BUSY: database is locked', { code: 'SQLITE_BUSY' })),
    {},
    'cannot open the store /srv/x.sqlite (STORE_URL=sqlite:///srv/x.sqlite): another process holds it locked (SQLITE_BUSY): stop the other contextcord that uses this STORE_URL, or choose another.',
  ],
  [
    'a damaged database',
    store('/srv/x.sqlite', systemError('SQLITE_CORRUPT: database disk image is malformed', { code: 'SQLITE_CORRUPT' })),
    {},
    'cannot open the store /srv/x.sqlite (STORE_URL=sqlite:///srv/x.sqlite): the database is damaged (SQLITE_CORRUPT): restore it from a backup, or point STORE_URL at a new file.',
  ],
  [
    'a store error with no code we know',
    store('/srv/x.sqlite', new Error('the driver\nfell over')),
    {},
    'cannot open the store /srv/x.sqlite (STORE_URL=sqlite:///srv/x.sqlite): Error: the driver fell over; check the path and its permissions.',
  ],
  [
    'anything else, in the bot: name and message on one line, secrets removed, where the details are',
    new RangeError('bad value near fake-discord-token-abcdefghijklmnop\n  and more'),
    { secrets: ['fake-discord-token-abcdefghijklmnop'], logsDetails: true },
    'could not start: RangeError: bad value near [redacted] and more. Run with LOG_LEVEL=debug for the details.',
  ],
  ['anything else, in deploy-commands (which logs nothing)', 'a thrown string', {}, 'could not start: a thrown string.'],
  [
    'the health port is taken',
    new StartupError(
      { kind: 'http-listen', host: '127.0.0.1', port: 9464 },
      { cause: systemError('listen EADDRINUSE: address already in use 127.0.0.1:9464', { code: 'EADDRINUSE', syscall: 'listen', address: '127.0.0.1', port: 9464 }) },
    ),
    {},
    'cannot serve health and metrics on 127.0.0.1 port 9464 (HTTP_HOST, HTTP_PORT): another process is listening on that port (EADDRINUSE). Choose another HTTP_PORT or HTTP_HOST, or unset HTTP_PORT to turn the endpoints off.',
  ],
  [
    'the health address is not this machine\'s',
    new StartupError(
      { kind: 'http-listen', host: '10.9.9.9', port: 9464 },
      { cause: systemError('listen EADDRNOTAVAIL: address not available 10.9.9.9:9464', { code: 'EADDRNOTAVAIL', syscall: 'listen' }) },
    ),
    {},
    "cannot serve health and metrics on 10.9.9.9 port 9464 (HTTP_HOST, HTTP_PORT): the address is not one of this machine's (EADDRNOTAVAIL). Choose another HTTP_PORT or HTTP_HOST, or unset HTTP_PORT to turn the endpoints off.",
  ],
];

describe('startupLine: one line per way start-up fails', () => {
  it.each(cases)('%s', (_name, error, context, line) => {
    const text = startupLine(error, context);
    expect(text).toBe(`contextcord: ${line}`);
    expect(text).not.toContain('\n');
  });

  it('a configuration error keeps its own message', () => {
    expect(startupLine(new ConfigError('Configuration problem: X: bad'))).toBe(
      "contextcord: Configuration problem: X: bad. See .env.example and the README's configuration table.",
    );
  });
});
