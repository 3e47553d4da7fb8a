/**
 * A fake OpenAI-compatible HTTP server for tests: the real `openai` SDK talks to it over
 * 127.0.0.1, so retries, timeouts, SSE parsing and error mapping are the SDK's own, not mocks.
 *
 * Shapes follow the public API (chat.completion, chat.completion.chunk, `{ error: {...} }`
 * bodies, rate-limit headers). Token counts are a rough 4-characters-per-token estimate, which
 * is enough for tests about budgets and `finish_reason: "length"`; it is not a tokenizer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';

export interface RecordedMessage {
  role: string;
  content: unknown;
  name?: string;
  /** tool_calls, tool_call_id, refusal…: kept as sent. */
  [k: string]: unknown;
}

export interface ChatRequestRecord {
  /** Date.now() when the body had been read. */
  at: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bearer token from `Authorization`, or undefined when absent/empty. */
  apiKey: string | undefined;
  /**
   * The parsed JSON body. When the body is not an object (or not JSON at all), `model` is ''
   * and `messages` is [] so tests can still read the record; `rawBody` keeps what was sent.
   */
  body: {
    model: string;
    messages: RecordedMessage[];
    stream?: boolean;
    max_tokens?: number;
    max_completion_tokens?: number;
    [k: string]: unknown;
  };
  rawBody: string;
  /** The `x-request-id` this fake answered with (also on error responses). */
  requestId: string;
}

/** Returns the full assistant text; the fake splits it into deltas when streaming. */
export type Responder = (req: ChatRequestRecord) => string | Promise<string>;

export interface FakeOpenAIFault {
  /** e.g. 429, 500, 503, 401, 403, 400. Defaults from `code` (see statusForCode) or 500. */
  status?: number | undefined;
  /** e.g. 'context_length_exceeded', 'rate_limit_exceeded', 'invalid_api_key'. */
  code?: string | null | undefined;
  /** e.g. 'invalid_request_error', 'requests', 'tokens', 'server_error'. */
  type?: string | undefined;
  message?: string | undefined;
  param?: string | null | undefined;
  /**
   * Sets `retry-after-ms` to this (may be fractional, so tests stay fast) and `retry-after` to it
   * in whole seconds, rounded up: OpenAI's API description makes that header an integer >= 1.
   */
  retryAfterSeconds?: number | undefined;
  /** Sets `x-should-retry`, which the SDK obeys over its own status-based rule. */
  shouldRetry?: boolean | undefined;
  /** Send this text verbatim instead of a JSON error body (e.g. a proxy's HTML 502 page). */
  rawBody?: string | undefined;
  /** Destroy the socket with a TCP RST and no HTTP response (ECONNRESET for the client). */
  resetConnection?: boolean | undefined;
  /** Wait this long before answering anything; then the rest of the fault (if any) applies. */
  hangMs?: number | undefined;
  /**
   * Start a 200 SSE stream (role chunk + N content chunks), then drop the connection. On a
   * non-streamed request: 200 headers and half the JSON body, then the drop.
   */
  breakStreamAfterChunks?: number | undefined;
  /**
   * Send N content chunks, then `data: {"error": {...}}` (message/type/code from this fault,
   * default server_error) and end, as OpenAI does mid-stream. On a non-streamed request the
   * same error comes as an ordinary error response (status default 500).
   */
  errorEventAfterChunks?: number | undefined;
  /**
   * Send N content chunks, then hold the stream until releaseHeldStreams(), so a test can look at
   * what the client made of a partial answer without guessing how long that takes.
   */
  holdAfterChunks?: number | undefined;
}

export interface FakeOpenAIOptions {
  /** Accepted keys; by default any non-empty bearer token is accepted. */
  apiKeys?: string[] | undefined;
  /** Delay between SSE events. Default 0. */
  chunkDelayMs?: number | undefined;
  /** Characters per content delta. Default 4 (about one token, like the real API). */
  chunkSize?: number | undefined;
  /** Models that answer 404 model_not_found. */
  unknownModels?: string[] | undefined;
  /** What GET /v1/models lists. */
  models?: string[] | undefined;
  /** Random source for setRandomFailureRate, so load tests can be made repeatable. */
  random?: (() => number) | undefined;
  /**
   * Called once per HTTP exchange, when the response has ended or the connection was dropped,
   * with what went over the wire (the contract tests validate each against OpenAI's API description).
   */
  observe?: ((exchange: ObservedOpenAIExchange) => void) | undefined;
}

/** One request and the response the fake wrote for it, as bytes on the wire decoded. */
export interface ObservedOpenAIExchange {
  method: string;
  /** After `/v1`, e.g. `/chat/completions`. */
  path: string;
  requestContentType: string | undefined;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  requestBody: unknown;
  /** 0 when the connection was dropped before any status was sent. */
  status: number;
  responseHeaders: Record<string, string>;
  /** The parsed JSON body of a JSON response that arrived whole. */
  body: unknown;
  /** For `text/event-stream`: each event's `data`, parsed, without the closing `[DONE]`. */
  events: unknown[] | undefined;
  /** Everything written, as text. */
  rawBody: string;
  /** False when the fake dropped the connection instead of ending the response. */
  complete: boolean;
}

interface ApiErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

interface QueuedFault {
  fault: FakeOpenAIFault;
  remaining: number;
  onlyForKey: string | undefined;
}

/** The rough estimate used everywhere in this fake: 4 characters per token, rounded up. */
export function roughTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Text of a message's content: a string, or the `text` parts of a content-part array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string') out += part['text'];
  }
  return out;
}

const DEFAULT_RESPONDER: Responder = (req) => {
  const lastUser = [...req.body.messages].reverse().find((m) => m.role === 'user');
  return `You said: ${lastUser === undefined ? '' : contentText(lastUser.content)}`;
};

// The order matters: it is the order of OpenAI's own "Supported values" message.
const VALID_ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'] as const;

const SERVER_ERROR_MESSAGE = 'The server had an error while processing your request. Sorry about that!';

export class FakeOpenAI {
  readonly baseURL: string;
  /** Every POST /v1/chat/completions, in arrival order, recorded before any fault applies. */
  requests: ChatRequestRecord[] = [];
  /** Prompt budget in rough tokens; over it → 400 context_length_exceeded. */
  contextWindow?: number | undefined;
  /** Models answering 404 model_not_found; mutate freely. */
  readonly unknownModels: Set<string>;

  readonly #server: Server;
  /** Aborted by close() so hanging handlers and stream loops stop at once. */
  readonly #closing = new AbortController();
  readonly #acceptedKeys: ReadonlySet<string> | undefined;
  readonly #revokedKeys = new Set<string>();
  readonly #faults: QueuedFault[] = [];
  readonly #models: string[];
  readonly #random: () => number;
  readonly #observe: ((exchange: ObservedOpenAIExchange) => void) | undefined;
  readonly #systemFingerprint = `fp_${randomBytes(5).toString('hex')}`;
  #responder: Responder = DEFAULT_RESPONDER;
  #chunkDelayMs: number;
  #chunkSize: number;
  #latency: () => number = () => 0;
  #showKey: (key: string) => string = maskedKey;
  #randomFailure: { rate: number; fault: FakeOpenAIFault } = { rate: 0, fault: { status: 500 } };
  /** Streams waiting in holdAfterChunks: calling one lets it go on. */
  readonly #held = new Set<() => void>();

  private constructor(server: Server, port: number, options: FakeOpenAIOptions) {
    this.#server = server;
    this.baseURL = `http://127.0.0.1:${String(port)}/v1`;
    this.#acceptedKeys = options.apiKeys === undefined ? undefined : new Set(options.apiKeys);
    this.unknownModels = new Set(options.unknownModels ?? []);
    this.#models = options.models ?? ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'];
    this.#random = options.random ?? Math.random;
    this.#observe = options.observe;
    this.#chunkDelayMs = nonNegative('chunkDelayMs', options.chunkDelayMs ?? 0);
    this.#chunkSize = positiveInteger('chunkSize', options.chunkSize ?? 4);
  }

  static async start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Loopback only: tests must never open a port other machines can reach.
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const fake = new FakeOpenAI(server, (server.address() as AddressInfo).port, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.#handle(req, res).catch((err: unknown) => {
        // A bug in the fake must show up as a failing request, not an unhandled rejection.
        sendJson(res, 500, { error: serverError(`Fake OpenAI crashed: ${String(err)}`) }, {});
      });
    });
    return fake;
  }

  /** The most recent chat request, if any. */
  get lastRequest(): ChatRequestRecord | undefined {
    return this.requests.at(-1);
  }

  setResponder(fn: Responder): void {
    this.#responder = fn;
  }

  /** Fault the next `times` chat requests (of `onlyForKey`, if given). Calls queue up in order. */
  failNext(fault: FakeOpenAIFault, times = 1, onlyForKey?: string): void {
    this.#faults.push({ fault, remaining: positiveInteger('times', times), onlyForKey });
  }

  /** Drop queued failNext faults and the random failure rate. */
  clearFaults(): void {
    this.#faults.length = 0;
    this.#randomFailure = { rate: 0, fault: { status: 500 } };
  }

  setChunkDelay(ms: number): void {
    this.#chunkDelayMs = nonNegative('chunk delay', ms);
  }

  /** Delay before the first byte of every chat response; a function is called per request. */
  setLatency(latency: (() => number) | number): void {
    if (typeof latency === 'number') {
      const ms = nonNegative('latency', latency);
      this.#latency = () => ms;
    } else {
      this.#latency = latency;
    }
  }

  /** Each chat request not hit by failNext fails with `fault` (default: 500) with this probability. */
  setRandomFailureRate(rate: number, fault: FakeOpenAIFault = { status: 500 }): void {
    if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new RangeError(`Expected \`rate\` to be a number from 0 to 1, got ${String(rate)}`);
    }
    this.#randomFailure = { rate, fault };
  }

  /** Streams now held by a holdAfterChunks fault. */
  get heldStreams(): number {
    return this.#held.size;
  }

  /** Lets every stream held by a holdAfterChunks fault go on; returns how many there were. */
  releaseHeldStreams(): number {
    const held = [...this.#held];
    this.#held.clear();
    for (const release of held) release();
    return held.length;
  }

  /**
   * How the 401 message shows the key it refused: OpenAI masks it (the default, `sk-...` and the
   * last four characters), while a proxy in front of a model server may echo it as received, cut
   * short or inside a URL. `show` gets the bearer token exactly as it arrived.
   */
  setKeyEcho(show: (key: string) => string): void {
    this.#showKey = show;
  }

  /** From now on this key gets 401 invalid_api_key, as a deleted key does. */
  revokeKey(key: string): void {
    this.#revokedKeys.add(key);
  }

  restoreKey(key: string): void {
    this.#revokedKeys.delete(key);
  }

  async close(): Promise<void> {
    this.#closing.abort();
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    // Keep-alive and hanging sockets would otherwise hold close() open until they time out.
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `req_${randomBytes(16).toString('hex')}`;
    const common = commonHeaders(requestId);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const rawBody = await readBody(req);
    if (this.#observe !== undefined) tapResponse(req, res, url.pathname, rawBody, this.#observe);

    if (method === 'POST' && url.pathname === '/v1/chat/completions') {
      await this.#chat(req, res, rawBody, requestId);
      return;
    }
    if (method === 'GET' && url.pathname.startsWith('/v1/models')) {
      this.#listModels(req, res, url.pathname, common);
      return;
    }
    sendJson(res, 404, { error: invalidRequest(`Invalid URL (${method} ${url.pathname})`) }, common);
  }

  #listModels(req: IncomingMessage, res: ServerResponse, pathname: string, common: Headers): void {
    const authError = this.#authError(bearerToken(req));
    if (authError !== undefined) {
      sendJson(res, 401, { error: authError }, common);
      return;
    }
    const model = (id: string): Record<string, unknown> => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' });
    if (pathname === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: this.#models.map(model) }, common);
      return;
    }
    const id = decodeURIComponent(pathname.slice('/v1/models/'.length));
    if (this.#models.includes(id) && !this.unknownModels.has(id)) {
      sendJson(res, 200, model(id), common);
    } else {
      sendJson(res, 404, { error: modelNotFound(id) }, common);
    }
  }

  async #chat(req: IncomingMessage, res: ServerResponse, rawBody: string, requestId: string): Promise<void> {
    const apiKey = bearerToken(req);
    let parsed: unknown;
    let jsonOk = true;
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      jsonOk = false;
    }
    const record: ChatRequestRecord = {
      at: Date.now(),
      headers: { ...req.headers },
      apiKey,
      body: toRecordBody(parsed),
      rawBody,
      requestId,
    };
    this.requests.push(record);

    const fault = this.#takeFault(apiKey);
    const signal = requestSignal(res, this.#closing.signal);
    const startedAt = Date.now();

    await sleep(this.#latency(), signal);
    if (fault?.hangMs !== undefined) await sleep(fault.hangMs, signal);
    if (signal.aborted) return;
    const common = commonHeaders(requestId, startedAt);

    if (fault?.resetConnection === true) {
      req.socket.resetAndDestroy();
      return;
    }
    const streamFault = fault !== undefined && (fault.breakStreamAfterChunks !== undefined || fault.errorEventAfterChunks !== undefined);
    if (fault !== undefined && !streamFault && faultHasResponse(fault)) {
      this.#sendFault(res, fault, record.body.model, apiKey, common);
      return;
    }

    const authError = this.#authError(apiKey);
    if (authError !== undefined) {
      sendJson(res, 401, { error: authError }, common);
      return;
    }
    if (!jsonOk) {
      sendJson(res, 400, { error: invalidRequest(INVALID_JSON_MESSAGE) }, common);
      return;
    }
    const invalid = validateBody(parsed);
    if (invalid !== undefined) {
      sendJson(res, 400, { error: invalid }, common);
      return;
    }
    if (this.unknownModels.has(record.body.model)) {
      sendJson(res, 404, { error: modelNotFound(record.body.model) }, common);
      return;
    }
    const promptTokens = roughTokens(record.body.messages.map((m) => contentText(m.content)).join(''));
    if (this.contextWindow !== undefined && promptTokens > this.contextWindow) {
      sendJson(res, 400, { error: contextLengthExceeded(this.contextWindow, promptTokens) }, common);
      return;
    }

    let text: string;
    try {
      text = await this.#responder(record);
    } catch (err) {
      // Surfacing a throwing responder as a 500 keeps the failure visible through the SDK.
      sendJson(res, 500, { error: serverError(`Fake responder threw: ${String(err)}`) }, common);
      return;
    }
    // Re-read through a call: the responder awaited, so the client may have left meanwhile.
    if (isAborted(signal)) return;

    const limit = record.body.max_completion_tokens ?? record.body.max_tokens;
    let finishReason: 'stop' | 'length' = 'stop';
    if (limit !== undefined && roughTokens(text) > limit) {
      text = text.slice(0, limit * 4);
      finishReason = 'length';
    }
    const usage = { promptTokens, completionTokens: roughTokens(text) };
    const headers = { ...common, ...rateLimitHeaders(false, undefined) };

    if (record.body.stream === true) {
      const includeUsage = isRecord(record.body['stream_options']) && record.body['stream_options']['include_usage'] === true;
      await this.#stream(req, res, { text, finishReason, usage, includeUsage, model: record.body.model, fault, signal, headers });
      return;
    }
    if (fault?.breakStreamAfterChunks !== undefined) {
      // Not a stream, so "mid-stream" means: headers and half the JSON body, then the socket drops.
      const body = JSON.stringify(this.#completion(record.body.model, text, finishReason, usage));
      res.writeHead(200, { ...headers, 'content-type': 'application/json' });
      await write(res, body.slice(0, Math.floor(body.length / 2)));
      await sleep(25, signal);
      req.socket.destroy();
      return;
    }
    if (fault?.errorEventAfterChunks !== undefined) {
      this.#sendFault(res, { ...fault, status: fault.status ?? 500 }, record.body.model, apiKey, common);
      return;
    }
    sendJson(res, 200, this.#completion(record.body.model, text, finishReason, usage), headers);
  }

  /** Resolves on releaseHeldStreams(), or when the client leaves or the fake closes. */
  #hold(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const release = (): void => {
        this.#held.delete(release);
        signal.removeEventListener('abort', release);
        resolve();
      };
      this.#held.add(release);
      signal.addEventListener('abort', release, { once: true });
    });
  }

  #takeFault(apiKey: string | undefined): FakeOpenAIFault | undefined {
    const index = this.#faults.findIndex((f) => f.onlyForKey === undefined || f.onlyForKey === apiKey);
    const queued = this.#faults[index];
    if (queued !== undefined) {
      queued.remaining -= 1;
      if (queued.remaining <= 0) this.#faults.splice(index, 1);
      return queued.fault;
    }
    if (this.#randomFailure.rate > 0 && this.#random() < this.#randomFailure.rate) return this.#randomFailure.fault;
    return undefined;
  }

  #authError(apiKey: string | undefined): ApiErrorBody | undefined {
    if (apiKey === undefined) {
      return invalidRequest(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
      );
    }
    if (this.#revokedKeys.has(apiKey) || (this.#acceptedKeys !== undefined && !this.#acceptedKeys.has(apiKey))) {
      return incorrectApiKey(this.#showKey(apiKey));
    }
    return undefined;
  }

  #sendFault(res: ServerResponse, fault: FakeOpenAIFault, model: string, apiKey: string | undefined, common: Headers): void {
    const status = fault.status ?? statusForCode(fault.code);
    const headers: Headers = { ...common };
    if (fault.retryAfterSeconds !== undefined) {
      headers['retry-after'] = String(Math.max(1, Math.ceil(fault.retryAfterSeconds)));
      headers['retry-after-ms'] = String(Math.round(fault.retryAfterSeconds * 1000));
    }
    if (fault.shouldRetry !== undefined) headers['x-should-retry'] = String(fault.shouldRetry);
    if (status === 429) Object.assign(headers, rateLimitHeaders(true, fault.retryAfterSeconds));
    if (fault.rawBody !== undefined) {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { ...headers, 'content-type': 'text/html; charset=utf-8' });
      res.end(fault.rawBody);
      return;
    }
    const base = defaultErrorFor(status, model, this.#showKey(apiKey ?? ''), fault.retryAfterSeconds);
    const error: ApiErrorBody = {
      message: fault.message ?? base.message,
      type: fault.type ?? base.type,
      param: fault.param !== undefined ? fault.param : base.param,
      code: fault.code !== undefined ? fault.code : base.code,
    };
    sendJson(res, status, { error }, headers);
  }

  #completion(model: string, text: string, finishReason: 'stop' | 'length', usage: Usage): ChatCompletion {
    return {
      id: completionId(),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: usageObject(usage),
      service_tier: 'default',
       
      system_fingerprint: this.#systemFingerprint,
    };
  }

  async #stream(req: IncomingMessage, res: ServerResponse, s: StreamPlan): Promise<void> {
    res.writeHead(200, { ...s.headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const id = completionId();
    const created = Math.floor(Date.now() / 1000);
    const chunk = (choices: ChatCompletionChunk.Choice[], usage?: ChatCompletionChunk['usage']): ChatCompletionChunk => {
      const c: ChatCompletionChunk = {
        id,
        object: 'chat.completion.chunk',
        created,
        model: s.model,
        service_tier: 'default',
         
        system_fingerprint: this.#systemFingerprint,
        choices,
      };
      // With include_usage the real API puts `"usage": null` on every chunk but the last.
      if (s.includeUsage) c.usage = usage ?? null;
      return c;
    };
    const event = async (data: unknown): Promise<boolean> => {
      if (s.signal.aborted) return false;
      await write(res, `data: ${JSON.stringify(data)}\n\n`);
      if (this.#chunkDelayMs > 0) await sleep(this.#chunkDelayMs, s.signal);
      return !s.signal.aborted;
    };

    if (!(await event(chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])))) return;

    const pieces = splitText(s.text, this.#chunkSize);
    const breakAfter = s.fault?.breakStreamAfterChunks;
    const errorAfter = s.fault?.errorEventAfterChunks;
    const holdAfter = s.fault?.holdAfterChunks;
    for (let i = 0; i <= pieces.length; i++) {
      if (holdAfter !== undefined && i === holdAfter) {
        await this.#hold(s.signal);
        if (s.signal.aborted) return;
      }
      if (breakAfter !== undefined && i === breakAfter) {
        // Give the client a moment to read what was sent: a stream that errors discards its
        // unread queue, and the test wants to see the partial text arrive before the failure.
        await sleep(Math.max(this.#chunkDelayMs, 25), s.signal);
        req.socket.destroy();
        return;
      }
      if (errorAfter !== undefined && i === errorAfter) {
        const fault = s.fault ?? {};
        const error: ApiErrorBody = {
          message: fault.message ?? `${SERVER_ERROR_MESSAGE} You can retry your request, or contact us through our help center at help.openai.com if the error persists.`,
          type: fault.type ?? 'server_error',
          param: fault.param ?? null,
          code: fault.code ?? null,
        };
        await write(res, `data: ${JSON.stringify({ error })}\n\n`);
        res.end();
        return;
      }
      const piece = pieces[i];
      if (piece === undefined) break;
      if (!(await event(chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }])))) return;
    }

    if (!(await event(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: s.finishReason }])))) return;
    if (s.includeUsage && !(await event(chunk([], usageObject(s.usage))))) return;
    await write(res, 'data: [DONE]\n\n');
    res.end();
  }
}

type Headers = Record<string, string>;

interface Usage {
  promptTokens: number;
  completionTokens: number;
}

interface StreamPlan {
  text: string;
  finishReason: 'stop' | 'length';
  usage: Usage;
  includeUsage: boolean;
  model: string;
  fault: FakeOpenAIFault | undefined;
  signal: AbortSignal;
  headers: Headers;
}

const INVALID_JSON_MESSAGE =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

function usageObject(u: Usage): NonNullable<ChatCompletion['usage']> {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function invalidRequest(message: string, param: string | null = null, code: string | null = null): ApiErrorBody {
  return { message, type: 'invalid_request_error', param, code };
}

function serverError(message: string): ApiErrorBody {
  return { message, type: 'server_error', param: null, code: null };
}

/** How OpenAI shows a refused key in its 401 message. */
function maskedKey(key: string): string {
  return `${key.startsWith('sk-') ? 'sk-' : ''}...${key.slice(-4)}`;
}

/** `shown` is the key as the server shows it (see setKeyEcho). */
function incorrectApiKey(shown: string): ApiErrorBody {
  return invalidRequest(
    `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    null,
    'invalid_api_key',
  );
}

function modelNotFound(model: string): ApiErrorBody {
  return invalidRequest(`The model \`${model}\` does not exist or you do not have access to it.`, null, 'model_not_found');
}

function contextLengthExceeded(limit: number, tokens: number): ApiErrorBody {
  return invalidRequest(
    `This model's maximum context length is ${String(limit)} tokens. However, your messages resulted in ${String(tokens)} tokens. Please reduce the length of the messages.`,
    'messages',
    'context_length_exceeded',
  );
}

/** Status for a fault that names a code but no status, matching what OpenAI sends with that code. */
function statusForCode(code: string | null | undefined): number {
  switch (code) {
    case 'context_length_exceeded':
    case 'invalid_value':
    case 'invalid_type':
    case 'missing_required_parameter':
      return 400;
    case 'invalid_api_key':
      return 401;
    case 'unsupported_country_region_territory':
      return 403;
    case 'model_not_found':
      return 404;
    case 'rate_limit_exceeded':
    case 'insufficient_quota':
      return 429;
    default:
      return 500;
  }
}

function faultHasResponse(fault: FakeOpenAIFault): boolean {
  return fault.status !== undefined || fault.code !== undefined || fault.type !== undefined || fault.message !== undefined || fault.rawBody !== undefined;
}

function defaultErrorFor(status: number, model: string, shownKey: string, retryAfterSeconds: number | undefined): ApiErrorBody {
  switch (status) {
    case 400:
      return invalidRequest('Invalid request.');
    case 401:
      return incorrectApiKey(shownKey);
    case 403:
      return { message: 'Country, region, or territory not supported', type: 'request_forbidden', param: null, code: 'unsupported_country_region_territory' };
    case 404:
      return modelNotFound(model);
    case 429: {
      const wait = retryAfterSeconds === undefined ? '20s' : formatDuration(retryAfterSeconds * 1000);
      return {
        message: `Rate limit reached for ${model || 'the model'} in organization org-fake on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in ${wait}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      };
    }
    case 503:
      return serverError('The engine is currently overloaded, please try again later.');
    default:
      return serverError(SERVER_ERROR_MESSAGE);
  }
}

/** Checks the body the way the real endpoint does, first problem wins; undefined when fine. */
function validateBody(body: unknown): ApiErrorBody | undefined {
  if (!isRecord(body)) {
    return invalidRequest(`Invalid type for body: expected an object, but got ${jsonTypeName(body)} instead.`, null, 'invalid_type');
  }
  if (typeof body['model'] !== 'string' || body['model'] === '') {
    return invalidRequest('you must provide a model parameter');
  }
  const messages = body['messages'];
  if (messages === undefined) {
    return invalidRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  }
  if (!Array.isArray(messages)) {
    return invalidRequest(`Invalid type for 'messages': expected an array, but got ${jsonTypeName(messages)} instead.`, 'messages', 'invalid_type');
  }
  if (messages.length === 0) {
    return invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  }
  for (const [i, m] of messages.entries()) {
    const at = `messages[${String(i)}]`;
    if (!isRecord(m)) {
      return invalidRequest(`Invalid type for '${at}': expected an object, but got ${jsonTypeName(m)} instead.`, at, 'invalid_type');
    }
    const role = m['role'];
    if (role === undefined) return invalidRequest(`Missing required parameter: '${at}.role'.`, `${at}.role`, 'missing_required_parameter');
    if (typeof role !== 'string' || !(VALID_ROLES as readonly string[]).includes(role)) {
      const supported = VALID_ROLES.map((r) => `'${r}'`);
      return invalidRequest(
        `Invalid value: '${JSON.stringify(role).replace(/^"|"$/g, '')}'. Supported values are: ${supported.slice(0, -1).join(', ')}, and ${supported.at(-1) ?? ''}.`,
        `${at}.role`,
        'invalid_value',
      );
    }
    const content = m['content'];
    // Assistant turns may omit content (tool calls); every other role must carry some.
    if (content === undefined || content === null) {
      if (role !== 'assistant') {
        return invalidRequest(`Missing required parameter: '${at}.content'.`, `${at}.content`, 'missing_required_parameter');
      }
    } else if (typeof content !== 'string' && !Array.isArray(content)) {
      return invalidRequest(
        `Invalid type for '${at}.content': expected one of a string or array of objects, but got ${jsonTypeName(content)} instead.`,
        `${at}.content`,
        'invalid_type',
      );
    }
  }
  if (body['stream_options'] !== undefined && body['stream_options'] !== null && body['stream'] !== true) {
    return invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  }
  for (const key of ['max_tokens', 'max_completion_tokens'] as const) {
    const v = body[key];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) {
      return invalidRequest(`Invalid '${key}': integer below minimum value. Expected a value >= 1, but got ${JSON.stringify(v)} instead.`, key, 'integer_below_min_value');
    }
  }
  const hasMaxTokens = body['max_tokens'] !== undefined && body['max_tokens'] !== null;
  if (hasMaxTokens && body['max_completion_tokens'] !== undefined && body['max_completion_tokens'] !== null) {
    return invalidRequest("Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.", 'max_tokens', 'invalid_parameter_combination');
  }
  if (hasMaxTokens && REASONING_MODEL.test(body['model'])) {
    return invalidRequest(
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      'max_tokens',
      'unsupported_parameter',
    );
  }
  return undefined;
}

/** OpenAI's reasoning models (o-series, gpt-5), which refuse the deprecated `max_tokens`. */
const REASONING_MODEL = /^(o1|o3|o4|gpt-5)/;

function toRecordBody(parsed: unknown): ChatRequestRecord['body'] {
  const obj: Record<string, unknown> = isRecord(parsed) ? parsed : {};
  const { model, messages, stream, max_tokens, max_completion_tokens, ...rest } = obj;
  const body: ChatRequestRecord['body'] = {
    ...rest,
    model: typeof model === 'string' ? model : '',
    messages: Array.isArray(messages) ? messages.filter(isRecord).map(toRecordedMessage) : [],
  };
  if (typeof stream === 'boolean') body.stream = stream;
  if (typeof max_tokens === 'number') body.max_tokens = max_tokens;
  if (typeof max_completion_tokens === 'number') body.max_completion_tokens = max_completion_tokens;
  return body;
}

function toRecordedMessage(m: Record<string, unknown>): RecordedMessage {
  const { role, content, name, ...rest } = m;
  const out: RecordedMessage = { ...rest, role: typeof role === 'string' ? role : String(role), content };
  if (typeof name === 'string') out.name = name;
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  return `a ${typeof v}`;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(.*)$/i.exec(req.headers.authorization ?? '');
  const token = match?.[1]?.trim();
  return token === undefined || token === '' ? undefined : token;
}

function commonHeaders(requestId: string, startedAt?: number): Headers {
  return {
    'x-request-id': requestId,
    'openai-version': '2020-10-01',
    'openai-organization': 'org-fake',
    'openai-processing-ms': String(startedAt === undefined ? 0 : Date.now() - startedAt),
  };
}

function rateLimitHeaders(limited: boolean, retryAfterSeconds: number | undefined): Headers {
  const reset = formatDuration((retryAfterSeconds ?? (limited ? 20 : 0.12)) * 1000);
  return {
    'x-ratelimit-limit-requests': '500',
    'x-ratelimit-remaining-requests': limited ? '0' : '499',
    'x-ratelimit-reset-requests': reset,
    'x-ratelimit-limit-tokens': '200000',
    'x-ratelimit-remaining-tokens': limited ? '0' : '199000',
    'x-ratelimit-reset-tokens': limited ? reset : '300ms',
  };
}

/** OpenAI's reset format: "120ms", "1s", "8.64s", "6m0s", "1h2m3s". */
export function formatDuration(ms: number): string {
  const rounded = Math.max(0, Math.round(ms));
  if (rounded < 1000) return `${String(rounded)}ms`;
  const hours = Math.floor(rounded / 3_600_000);
  const minutes = Math.floor((rounded % 3_600_000) / 60_000);
  const seconds = Number(((rounded % 60_000) / 1000).toFixed(3));
  return `${hours > 0 ? `${String(hours)}h` : ''}${hours > 0 || minutes > 0 ? `${String(minutes)}m` : ''}${String(seconds)}s`;
}

function completionId(): string {
  // Real ids are "chatcmpl-" and 29 alphanumerics.
  return `chatcmpl-${randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 29).padEnd(29, 'x')}`;
}

/** Splits by code points so a chunk never ends inside a surrogate pair. */
function splitText(text: string, size: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/**
 * Records what is written to `res` and reports it once the response is over. Wrapping write/end
 * catches every path (JSON errors, streams, raw proxy pages, dropped sockets) without each one
 * having to report itself.
 */
function tapResponse(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  rawRequest: string,
  observe: (exchange: ObservedOpenAIExchange) => void,
): void {
  const written: Buffer[] = [];
  const keep = (chunk: unknown): void => {
    if (typeof chunk === 'string') written.push(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) written.push(Buffer.from(chunk));
  };
  // Headers given to writeHead() are not visible through getHeaders(): keep them from the call.
  let headersWritten: Record<string, string> = {};
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const given = args.slice(1).find(isRecord);
    if (given !== undefined) headersWritten = Object.fromEntries(Object.entries(given).map(([k, v]) => [k.toLowerCase(), String(v)]));
    return writeHead(...args);
  });
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    keep(args[0]);
    return write(...args);
  }) as ServerResponse['write'];
  res.end = ((...args: unknown[]) => {
    if (typeof args[0] !== 'function') keep(args[0]);
    return end(...args);
  }) as ServerResponse['end'];
  res.once('close', () => {
    const rawBody = Buffer.concat(written).toString('utf8');
    const responseHeaders: Record<string, string> = { ...headersWritten };
    for (const [name, value] of Object.entries(res.getHeaders())) {
      if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    const contentType = responseHeaders['content-type'] ?? '';
    const complete = res.writableFinished;
    let requestBody: unknown;
    try {
      requestBody = rawRequest === '' ? undefined : JSON.parse(rawRequest);
    } catch {
      requestBody = undefined;
    }
    let body: unknown;
    if (complete && contentType.startsWith('application/json')) body = JSON.parse(rawBody);
    const events = contentType.startsWith('text/event-stream') ? sseData(rawBody) : undefined;
    const requestType = req.headers['content-type'];
    observe({
      method: req.method ?? 'GET',
      path: pathname.replace(/^\/v1(?=\/)/, ''),
      requestContentType: requestType,
      requestBody,
      status: res.headersSent ? res.statusCode : 0,
      responseHeaders,
      body,
      events,
      rawBody,
      complete,
    });
  });
}

/** The `data:` of each complete server-sent event, parsed; `[DONE]` ends the stream and is left out. */
function sseData(text: string): unknown[] {
  const out: unknown[] = [];
  const blocks = text.split('\n\n');
  blocks.pop(); // what follows the last blank line is not a finished event
  for (const block of blocks) {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (data === '' || data === '[DONE]') continue;
    out.push(JSON.parse(data));
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function write(res: ServerResponse, data: string): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    res.write(data, () => {
      resolve();
    });
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      resolve(Buffer.concat(parts).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** Aborts when the client goes away before the response finished, or when the fake closes. */
function requestSignal(res: ServerResponse, closing: AbortSignal): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return AbortSignal.any([gone.signal, closing]);
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** Resolves after `ms`, or early when `signal` aborts; never rejects. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`Expected \`${name}\` to be a finite number >= 0, got ${String(value)}`);
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`Expected \`${name}\` to be an integer >= 1, got ${String(value)}`);
  return value;
}
