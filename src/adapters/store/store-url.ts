import { resolve } from 'node:path';

/**
 * What a STORE_URL names, parsed once (the configuration checks it with this, the store opens
 * with it, start-up failures name it with `display`):
 * - `sqlite://relative/path` (to the working folder; the default is `sqlite://data/contextcord.sqlite`),
 *   `sqlite:///absolute/path`, `sqlite://:memory:`;
 * - `redis://[user:password@]host[:port][/db]`, `rediss://…` for TLS, `?namespace=` for the key prefix;
 * - `postgresql://` or `postgres://[user:password@]host[:port]/database`, with `?sslmode=` (libpq's
 *   meanings) and `?schema=` for the table's schema; other parameters go to node-postgres as they are;
 * - `memory://` (lost on exit; for tests and trials).
 */
export type StoreLocation =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'redis';
      /** For the client: the URL without our own parameters. */
      readonly url: string;
      readonly tls: boolean;
      readonly db: number;
      /** Keys are `{namespace}::{key}`, as @keyv/redis writes them. */
      readonly namespace: string;
      readonly display: string;
    }
  | {
      readonly kind: 'postgres';
      /** For node-postgres: the URL without `schema`, with libpq's sslmode meanings asked for. */
      readonly connectionString: string;
      readonly schema: string;
      readonly sslmode: SslMode | undefined;
      readonly display: string;
    };

export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

export const DEFAULT_STORE_URL = 'sqlite://data/contextcord.sqlite';
export const DEFAULT_REDIS_NAMESPACE = 'contextcord';
export const DEFAULT_POSTGRES_SCHEMA = 'public';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A STORE_URL that cannot be used; the message says what was wrong and what is allowed, never the password. */
export class StoreUrlError extends Error {
  override readonly name = 'StoreUrlError';
}

const EXPECTED =
  'expected sqlite://path/to/file.sqlite, redis://host:port/db (rediss:// for TLS), postgresql://user@host:port/database or memory://';

export function parseStoreUrl(text: string, cwd: string = process.cwd()): StoreLocation {
  const trimmed = text.trim();
  if (trimmed === 'memory://') return { kind: 'memory' };
  if (trimmed.startsWith('sqlite://')) {
    const file = trimmed.slice('sqlite://'.length);
    if (file === '') throw new StoreUrlError('sqlite:// needs a file path, e.g. sqlite://data/contextcord.sqlite');
    return { kind: 'sqlite', path: file === ':memory:' ? file : resolve(cwd, file) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return parseRedis(trimmed, scheme === 'rediss');
  if (scheme === 'postgres' || scheme === 'postgresql') return parsePostgres(trimmed);
  throw new StoreUrlError(scheme === undefined ? EXPECTED : `the scheme ${scheme}:// is not supported: ${EXPECTED}`);
}

/** The URL as it may be shown and logged: the password replaced by `***`. */
export function displayStoreUrl(text: string): string {
  const trimmed = text.trim();
  if (!/^(redis|rediss|postgres|postgresql):\/\//i.test(trimmed)) return trimmed;
  try {
    const url = new URL(trimmed);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    // Not a URL at all: hide whatever stands between "//" and "@", where a password would be.
    return trimmed.replace(/\/\/[^/@]*@/, '//***@');
  }
}

/** The password a STORE_URL carries (decoded), to be kept out of every log line; undefined when none. */
export function storeUrlPassword(text: string): string | undefined {
  try {
    const password = new URL(text.trim()).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/** What of a STORE_URL the logs must never show: its password, as written and decoded. */
export function storeSecrets(text: string): string[] {
  const decoded = storeUrlPassword(text);
  if (decoded === undefined) return [];
  let written = decoded;
  try {
    written = new URL(text.trim()).password;
  } catch {
    // storeUrlPassword read it, so the URL parses.
  }
  return [...new Set([decoded, written])];
}

function url(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new StoreUrlError(`${displayStoreUrl(text)} is not a valid URL: ${EXPECTED}`);
  }
}

function parseRedis(text: string, tls: boolean): StoreLocation {
  const parsed = url(text);
  const display = displayStoreUrl(text);
  if (parsed.hostname === '') throw new StoreUrlError(`${display} names no host, e.g. redis://127.0.0.1:6379/0`);
  const path = parsed.pathname.replace(/^\//, '');
  if (!/^\d{0,5}$/.test(path)) throw new StoreUrlError(`${display}: the database must be a number, e.g. redis://127.0.0.1:6379/0, got /${path}`);
  let namespace = DEFAULT_REDIS_NAMESPACE;
  for (const [name, value] of parsed.searchParams) {
    if (name !== 'namespace') throw new StoreUrlError(`${display}: unknown parameter ${name}; a redis URL takes only namespace`);
    if (!NAME.test(value)) throw new StoreUrlError(`${display}: namespace must be 1 to 64 letters, digits, _ . or -, got "${value}"`);
    namespace = value;
  }
  parsed.search = '';
  return { kind: 'redis', url: parsed.toString(), tls, db: path === '' ? 0 : Number(path), namespace, display };
}

function parsePostgres(text: string): StoreLocation {
  const parsed = url(text);
  const display = displayStoreUrl(text);
  // A host may instead come as ?host= (a Unix socket folder), as libpq allows.
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
    throw new StoreUrlError(`${display} names no host, e.g. postgresql://user@127.0.0.1:5432/contextcord`);
  }
  let schema = DEFAULT_POSTGRES_SCHEMA;
  const given = parsed.searchParams.get('schema');
  if (given !== null) {
    if (!IDENTIFIER.test(given)) throw new StoreUrlError(`${display}: schema must be a lowercase SQL name (letters, digits, _), got "${given}"`);
    schema = given;
    parsed.searchParams.delete('schema');
  }
  const mode = parsed.searchParams.get('sslmode');
  let sslmode: SslMode | undefined;
  if (mode !== null) {
    sslmode = SSL_MODES.find((m) => m === mode);
    if (sslmode === undefined) throw new StoreUrlError(`${display}: sslmode must be one of ${SSL_MODES.join(', ')}, got "${mode}"`);
    // node-postgres reads require and verify-ca as verify-full unless asked for libpq's meanings.
    if (!parsed.searchParams.has('uselibpqcompat')) parsed.searchParams.set('uselibpqcompat', 'true');
  }
  return { kind: 'postgres', connectionString: parsed.toString(), schema, sslmode, display };
}
