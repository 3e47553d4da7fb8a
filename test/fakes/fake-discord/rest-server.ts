/**
 * The HTTP side of the fake: routing under /api/v10, Bot-token auth, request recording,
 * multipart parsing, X-RateLimit-* headers with per-bucket windows (and 429s when a client
 * ignores them), injected faults, simulated latency, and the WebSocket upgrade hand-off.
 */
import { createHash } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { UploadedFile } from './message-rules.js';
import type { StoredFile } from './messaging.js';
import type { FailureSpec, ObservedExchange, RecordedRequest } from './types.js';
import { DiscordHttpError, apiError, errors, sleep } from './wire.js';

export interface RestContext {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  files: UploadedFile[];
}

export interface RestResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Decoded segments; `:name` captures one. */
  path: string;
  /** Interaction and webhook-token routes carry no Authorization header. */
  auth: boolean;
  handle(ctx: RestContext): RestResult | Promise<RestResult>;
}

export const ok = (body: unknown, status = 200): RestResult => ({ status, body });
export const noContent = (): RestResult => ({ status: 204 });

/** Parameters Discord scopes rate limits by (its "major parameters"). */
const MAJOR_PARAMS = new Set(['channel', 'guild', 'webhook', 'token', 'interaction']);

interface CompiledRoute extends Route {
  segments: string[];
  bucketHash: string;
}

interface Fault {
  method: string | undefined;
  path: RegExp;
  error: FailureSpec;
  remaining: number;
}

export interface RestServerOptions {
  routes: Route[];
  token: () => string;
  latencyMs: number;
  rateLimit: { limit: number; windowMs: number };
  files: ReadonlyMap<string, StoredFile>;
  onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  observe?: ((exchange: ObservedExchange) => void) | undefined;
}

export class RestServer {
  readonly requests: RecordedRequest[] = [];
  readonly #options: RestServerOptions;
  readonly #routes: CompiledRoute[];
  readonly #faults: Fault[] = [];
  readonly #windows = new Map<string, { start: number; count: number }>();
  readonly #server: Server;

  constructor(options: RestServerOptions) {
    this.#options = options;
    this.#routes = options.routes.map((route) => ({
      ...route,
      segments: route.path.split('/').filter(Boolean),
      bucketHash: createHash('sha1').update(`${route.method} ${route.path}`).digest('hex').slice(0, 32),
    }));
    this.#server = createServer((req, res) => {
      // A client that hangs up mid-body leaves nothing to answer.
      this.#handle(req, res).catch(() => res.destroy());
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if ((req.url ?? '').startsWith('/api')) socket.destroy();
      else options.onUpgrade(req, socket, head);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return (this.#server.address() as AddressInfo).port;
  }

  /** Simulated latency of every request from now on (half before handling it, half after). */
  setLatency(ms: number): void {
    this.#options.latencyMs = ms;
  }

  failNext(match: { method?: string; path: RegExp }, error: FailureSpec, times: number): void {
    this.#faults.push({ method: match.method?.toUpperCase(), path: match.path, error, remaining: times });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const raw = await readBody(req);
    // Requests that arrived together are all stamped before any is handled: `at` is when the
    // request reached Discord, not when the fake got round to it (the benchmark reads it).
    await new Promise((resolve) => setImmediate(resolve));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');

    if (req.method === 'GET' && url.pathname.startsWith('/attachments/')) {
      this.#serveFile(url.pathname, res);
      return;
    }

    const prefix = '/api/v10';
    let segments: string[];
    try {
      segments = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent) : [];
    } catch {
      segments = [];
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const record: RecordedRequest = {
      method,
      path: `/${segments.join('/')}`,
      query: url.searchParams,
      headers: { ...req.headers },
      body: undefined,
      files: [],
      at,
    };
    this.requests.push(record);

    let result: { status: number; body?: unknown; headers: Record<string, string> };
    let files: UploadedFile[] = [];
    await sleep(this.#options.latencyMs / 2);
    try {
      if (segments.length === 0) throw errors.notFound();
      const parsed = await parseBody(req.headers['content-type'], raw);
      record.body = parsed.body;
      files = parsed.files;
      record.files = files.map((f) => ({ field: f.field, filename: f.filename, contentType: f.contentType, size: f.data.length }));
      result = await this.#route(method, segments, record, files);
    } catch (error) {
      result = toResult(error);
    }
    record.status = result.status;
    await sleep(this.#options.latencyMs / 2);
    const headers = this.#write(res, result);
    const body = result.status === 204 ? undefined : result.body;
    this.#options.observe?.({ request: record, response: { status: result.status, headers, body } });
  }

  async #route(
    method: string,
    segments: string[],
    record: RecordedRequest,
    files: UploadedFile[],
  ): Promise<{ status: number; body?: unknown; headers: Record<string, string> }> {
    const fault = this.#takeFault(method, record.path);
    const candidates = this.#routes
      .map((route) => ({ route, params: matchSegments(route.segments, segments) }))
      .filter((c): c is { route: CompiledRoute; params: Record<string, string> } => c.params !== undefined);
    const match = candidates.find((c) => c.route.method === method);
    if (fault) return faultResult(fault, match?.route.bucketHash);
    if (!match) throw candidates.length > 0 ? errors.methodNotAllowed() : errors.notFound();

    const { route, params } = match;
    if (route.auth && record.headers['authorization'] !== `Bot ${this.#options.token()}`) throw errors.unauthorized();

    const limit = this.#countAgainstBucket(route, params, method);
    if (limit.exceeded) {
      return {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: limit.resetAfter, global: false },
        headers: { ...limit.headers, 'retry-after': String(limit.resetAfter), 'x-ratelimit-scope': 'user' },
      };
    }
    try {
      const out = await route.handle({ method, params, query: record.query, headers: record.headers, body: record.body, files });
      return { status: out.status, body: out.body, headers: limit.headers };
    } catch (error) {
      const failed = toResult(error);
      return { ...failed, headers: { ...limit.headers, ...failed.headers } };
    }
  }

  #takeFault(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex((f) => (f.method === undefined || f.method === method) && f.path.test(path));
    const fault = this.#faults[index];
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  #countAgainstBucket(
    route: CompiledRoute,
    params: Record<string, string>,
    method: string,
  ): { exceeded: boolean; resetAfter: number; headers: Record<string, string> } {
    const { limit, windowMs } = this.#options.rateLimit;
    const major = Object.entries(params)
      .filter(([name]) => MAJOR_PARAMS.has(name))
      .map(([, value]) => value)
      .join(':');
    const key = `${method} ${route.path} ${major}`;
    const now = Date.now();
    let window = this.#windows.get(key);
    if (!window || now >= window.start + windowMs) {
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count++;
    const resetAt = window.start + windowMs;
    const resetAfter = Math.max(0, (resetAt - now) / 1000);
    const headers = {
      'x-ratelimit-bucket': route.bucketHash,
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - window.count)),
      'x-ratelimit-reset': (resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
    };
    return { exceeded: window.count > limit, resetAfter: Number(resetAfter.toFixed(3)), headers };
  }

  #serveFile(path: string, res: ServerResponse): void {
    const file = this.#options.files.get(path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.data.length) }).end(file.data);
  }

  /** Writes the response; returns the headers it carried. */
  #write(res: ServerResponse, result: { status: number; body?: unknown; headers: Record<string, string> }): Record<string, string> {
    if (result.status === 204 || result.body === undefined) {
      res.writeHead(result.status, result.headers).end();
      return result.headers;
    }
    const text = JSON.stringify(result.body);
    const headers = {
      ...result.headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    };
    res.writeHead(result.status, headers).end(text);
    return headers;
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const value = actual[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = value;
    else if (part !== value) return undefined;
  }
  return params;
}

function faultResult(fault: Fault, bucketHash: string | undefined): { status: number; body: unknown; headers: Record<string, string> } {
  const { status, code, message, retryAfter, global } = fault.error;
  if (status === 429) {
    const after = retryAfter ?? 1;
    const body: Record<string, unknown> = { message: message ?? 'You are being rate limited.', retry_after: after, global: global === true };
    if (code !== undefined) body['code'] = code;
    const headers: Record<string, string> = { 'retry-after': String(after) };
    if (global === true) {
      headers['x-ratelimit-global'] = 'true';
      headers['x-ratelimit-scope'] = 'global';
    } else {
      headers['x-ratelimit-scope'] = 'user';
      headers['x-ratelimit-limit'] = '5';
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-reset'] = ((Date.now() + after * 1000) / 1000).toFixed(3);
      headers['x-ratelimit-reset-after'] = after.toFixed(3);
      if (bucketHash !== undefined) headers['x-ratelimit-bucket'] = bucketHash;
    }
    return { status, body, headers };
  }
  return { status, body: { message: message ?? `${status}: ${STATUS_CODES[status] ?? 'Error'}`, code: code ?? 0 }, headers: {} };
}

function toResult(error: unknown): { status: number; body: unknown; headers: Record<string, string> } {
  if (error instanceof DiscordHttpError) return { status: error.status, body: error.body, headers: error.headers };
  // A bug in the fake itself: make it loud rather than a quiet retry storm.
  console.error('[fake-discord] handler crashed:', error);
  return { status: 500, body: { message: '500: Internal Server Error', code: 0 }, headers: {} };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function parseBody(contentType: string | undefined, raw: Buffer): Promise<{ body: unknown; files: UploadedFile[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  const type = contentType ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://127.0.0.1/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    const files: UploadedFile[] = [];
    let body: unknown;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = parseJson(value);
        continue;
      }
      files.push({
        field,
        filename: value.name,
        contentType: value.type || 'application/octet-stream',
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
    return { body, files };
  }
  return { body: parseJson(raw.toString('utf8')), files: [] };
}

function parseJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    throw apiError(400, 50109, 'The request body contains invalid JSON.');
  }
}

