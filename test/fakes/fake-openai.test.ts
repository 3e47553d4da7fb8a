// These tests drive the real openai SDK against the fake, so they double as a record of how the
// SDK behaves on each failure (error class, retries) that the bot's adapter has to handle.
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI, formatDuration, roughTokens } from './fake-openai.js';

let fake: FakeOpenAI | undefined;

async function startFake(options?: Parameters<typeof FakeOpenAI.start>[0]): Promise<FakeOpenAI> {
  fake = await FakeOpenAI.start(options);
  return fake;
}

function client(f: FakeOpenAI, extra: { apiKey?: string; maxRetries?: number; timeout?: number } = {}): OpenAI {
  return new OpenAI({ baseURL: f.baseURL, apiKey: extra.apiKey ?? 'sk-test', maxRetries: extra.maxRetries ?? 0, ...(extra.timeout === undefined ? {} : { timeout: extra.timeout }) });
}

const userMessage = (content: string): OpenAI.ChatCompletionMessageParam[] => [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content, name: 'alice' },
];

/** Resolves to the error a promise rejects with; fails the test if it resolves. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('FakeOpenAI happy paths', () => {
  it('streams the responder text as deltas and records the request', async () => {
    const f = await startFake({ chunkSize: 3 });
    f.setResponder((req) => `Hello ${String(req.body.messages.length)} messages`);
    const stream = await client(f).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: userMessage('hi there'),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hello 2 messages');
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(chunks[1]?.choices[0]?.delta).toEqual({ content: 'Hel' });
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: roughTokens(text), total_tokens: expect.any(Number) as number });
    expect(chunks[1]?.usage).toBeNull();
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);

    expect(f.requests).toHaveLength(1);
    expect(f.requests[0]?.apiKey).toBe('sk-test');
    expect(f.requests[0]?.body.stream).toBe(true);
    expect(f.requests[0]?.body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi there', name: 'alice' },
    ]);
  });

  it('answers a non-streamed request with a full chat.completion and request id', async () => {
    const f = await startFake();
    const { data, response } = await client(f)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage('ping') })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(data.model).toBe('gpt-4o-mini');
    expect(data.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'You said: ping' } });
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0));
    expect(response.headers.get('x-request-id')).toBe(f.lastRequest?.requestId);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('499');
  });

  it('cuts the answer at max_tokens (4 chars a token) and reports finish_reason "length"', async () => {
    const f = await startFake();
    f.setResponder(() => 'a'.repeat(100));
    const done = await client(f).chat.completions.create({ model: 'm', messages: userMessage('x'), max_completion_tokens: 5 });
    expect(done.choices[0]?.message.content).toBe('a'.repeat(20));
    expect(done.choices[0]?.finish_reason).toBe('length');

    // The legacy max_tokens is what many OpenAI-compatible servers still read, so the fake honours it too.
     
    const stream = await client(f).chat.completions.create({ model: 'm', messages: userMessage('x'), max_tokens: 2, stream: true });
    let text = '';
    let finish: string | null | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('a'.repeat(8));
    expect(finish).toBe('length');
  });
});

describe('FakeOpenAI faults, as the SDK surfaces them', () => {
  it('429 with retry-after is a RateLimitError without retries, and is retried with maxRetries 2', async () => {
    const f = await startFake();
    f.failNext({ status: 429, retryAfterSeconds: 0.05 });
    const err = await rejection(client(f).chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage('a') }));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rate = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rate.status).toBe(429);
    expect(rate.code).toBe('rate_limit_exceeded');
    expect(rate.headers.get('retry-after')).toBe('1'); // whole seconds, as OpenAI describes it
    expect(rate.headers.get('retry-after-ms')).toBe('50'); // what the SDK waits for
    expect(rate.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(rate.requestID).toMatch(/^req_/);

    f.failNext({ status: 429, retryAfterSeconds: 0.05 });
    const ok = await client(f, { maxRetries: 2 }).chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage('b') });
    expect(ok.choices[0]?.message.content).toBe('You said: b');
    expect(f.requests).toHaveLength(3);
    expect(f.requests[2]?.headers['x-stainless-retry-count']).toBe('1');
  });

  it('x-should-retry: false stops the SDK retrying a 503', async () => {
    const f = await startFake();
    f.failNext({ status: 503, shouldRetry: false });
    const err = await rejection(client(f, { maxRetries: 2 }).chat.completions.create({ model: 'm', messages: userMessage('a') }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(f.requests).toHaveLength(1);
  });

  it('500 is an InternalServerError with the body fields', async () => {
    const f = await startFake();
    f.failNext({ status: 500 });
    const err = await rejection(client(f).chat.completions.create({ model: 'm', messages: userMessage('a') }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 500, type: 'server_error', code: null });
  });

  it('a reset connection is an APIConnectionError', async () => {
    const f = await startFake();
    f.failNext({ resetConnection: true });
    const err = await rejection(client(f).chat.completions.create({ model: 'm', messages: userMessage('a') }));
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(err).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(f.requests).toHaveLength(1);
  });

  it('hanging past the client timeout is an APIConnectionTimeoutError', async () => {
    const f = await startFake();
    f.failNext({ hangMs: 5_000 });
    const started = Date.now();
    const err = await rejection(client(f, { timeout: 150 }).chat.completions.create({ model: 'm', messages: userMessage('a') }));
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a stream broken after N chunks throws from the for-await after the partial text', async () => {
    const f = await startFake({ chunkSize: 4 });
    f.setResponder(() => 'abcdefghijklmnop');
    f.failNext({ breakStreamAfterChunks: 2 });
    const stream = await client(f).chat.completions.create({ model: 'm', messages: userMessage('a'), stream: true });
    let text = '';
    const err = await rejection(
      (async () => {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(text).toBe('abcdefgh');
    // Not an OpenAI error class: undici's own "terminated" TypeError comes straight through.
    expect(err).not.toBeInstanceOf(OpenAI.APIError);
    expect(err).toBeInstanceOf(Error);
  });

  it('holdAfterChunks holds a stream after N content chunks until released', async () => {
    const f = await startFake({ chunkSize: 2 });
    f.setResponder(() => 'aabbccdd');
    f.failNext({ holdAfterChunks: 2 });
    const stream = await client(f).chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage('x'), stream: true });
    const seen: string[] = [];
    const iterator = stream[Symbol.asyncIterator]();
    while (seen.join('') !== 'aabb') {
      const next = await iterator.next();
      if (next.done === true) throw new Error('the stream ended before it was held');
      seen.push(next.value.choices[0]?.delta.content ?? '');
    }
    expect(f.heldStreams).toBe(1);
    expect(f.releaseHeldStreams()).toBe(1);
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) seen.push(next.value.choices[0]?.delta.content ?? '');
    expect(seen.join('')).toBe('aabbccdd');
    expect(f.heldStreams).toBe(0);
  });

  it('an SSE error event mid-stream throws a plain APIError (no status) carrying the error fields', async () => {
    const f = await startFake({ chunkSize: 4 });
    f.setResponder(() => 'abcdefghijkl');
    f.failNext({ errorEventAfterChunks: 1, code: 'overloaded', message: 'boom' });
    const stream = await client(f).chat.completions.create({ model: 'm', messages: userMessage('a'), stream: true });
    let text = '';
    const err = await rejection(
      (async () => {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(text).toBe('abcd');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).not.toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: undefined, code: 'overloaded', type: 'server_error', message: 'boom' });
  });

  it('over the context window is a BadRequestError with code context_length_exceeded', async () => {
    const f = await startFake();
    f.contextWindow = 10;
    const err = await rejection(client(f).chat.completions.create({ model: 'm', messages: userMessage('x'.repeat(80)) }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
    // 'Be brief.' (9) + 80 chars = 89 → 23 rough tokens.
    expect((err as Error).message).toBe(
      "400 This model's maximum context length is 10 tokens. However, your messages resulted in 23 tokens. Please reduce the length of the messages.",
    );
  });

  it('refuses max_tokens for a reasoning model as OpenAI does, and accepts max_completion_tokens', async () => {
    const f = await startFake();
    for (const model of ['o1-mini', 'o3', 'o4-mini', 'gpt-5', 'gpt-5-mini']) {
      const err = await rejection(client(f).chat.completions.create({ model, messages: userMessage('hi'), max_tokens: 10 }));
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err).toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'unsupported_parameter',
        message: "400 Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      });
      const ok = await client(f).chat.completions.create({ model, messages: userMessage('hi'), max_completion_tokens: 10 });
      expect(ok.choices[0]?.message.content).toBe('You said: hi');
    }
    // Other models take either parameter.
    await expect(client(f).chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage('hi'), max_tokens: 10 })).resolves.toBeDefined();
  });

  it('refuses max_tokens and max_completion_tokens together', async () => {
    const f = await startFake();
    const err = await rejection(
      client(f).chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage('hi'), max_tokens: 10, max_completion_tokens: 10 }),
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({
      status: 400,
      param: 'max_tokens',
      code: 'invalid_parameter_combination',
      message: "400 Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
    });
  });

  it('a revoked key is an AuthenticationError showing only its last 4 characters', async () => {
    const f = await startFake();
    f.revokeKey('sk-test');
    const err = await rejection(client(f).chat.completions.create({ model: 'm', messages: userMessage('a') }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err).toMatchObject({ code: 'invalid_api_key' });
    expect((err as Error).message).toContain('Incorrect API key provided: sk-...test.');
  });

  it('setKeyEcho: the 401 message shows the key as a proxy would, exactly as it arrived', async () => {
    const key = 'sk-proxy"\\\tcafé%41-key';
    const f = await startFake({ apiKeys: ['sk-good'] });
    f.setKeyEcho((received) => `${received} (cut: ${received.slice(0, 8)}…)`);
    const err = await rejection(client(f, { apiKey: key }).chat.completions.create({ model: 'm', messages: userMessage('a') }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(f.requests[0]?.apiKey).toBe(key);
    expect((err as Error).message).toBe(
      `401 Incorrect API key provided: ${key} (cut: sk-proxy…). You can find your API key at https://platform.openai.com/account/api-keys.`,
    );
  });

  it('the apiKeys option rejects other keys', async () => {
    const f = await startFake({ apiKeys: ['sk-good'] });
    await expect(client(f, { apiKey: 'sk-good' }).chat.completions.create({ model: 'm', messages: userMessage('a') })).resolves.toBeDefined();
    const err = await rejection(client(f, { apiKey: 'sk-other' }).chat.completions.create({ model: 'm', messages: userMessage('a') }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('failNext can target one key, and faults are consumed in order', async () => {
    const f = await startFake();
    f.failNext({ status: 403 }, 1, 'sk-b');
    const a = client(f, { apiKey: 'sk-a' });
    const b = client(f, { apiKey: 'sk-b' });
    await expect(a.chat.completions.create({ model: 'm', messages: userMessage('a') })).resolves.toBeDefined();
    await expect(b.chat.completions.create({ model: 'm', messages: userMessage('a') })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(b.chat.completions.create({ model: 'm', messages: userMessage('a') })).resolves.toBeDefined();
  });

  it('an unknown model is a NotFoundError with code model_not_found', async () => {
    const f = await startFake({ unknownModels: ['gpt-nope'] });
    const err = await rejection(client(f).chat.completions.create({ model: 'gpt-nope', messages: userMessage('a') }));
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err).toMatchObject({ code: 'model_not_found' });
  });

  it('random failures follow the given random source', async () => {
    const rolls = [0.01, 0.9];
    const f = await startFake({ random: () => rolls.shift() ?? 1 });
    f.setRandomFailureRate(0.05);
    await expect(client(f).chat.completions.create({ model: 'm', messages: userMessage('a') })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(client(f).chat.completions.create({ model: 'm', messages: userMessage('a') })).resolves.toBeDefined();
  });
});

describe('FakeOpenAI request validation (raw HTTP)', () => {
  async function post(f: FakeOpenAI, body: string, auth: string | null = 'Bearer sk-test'): Promise<{ status: number; requestId: string | null; error: unknown }> {
    const res = await fetch(`${f.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) },
      body,
    });
    const json = (await res.json()) as { error?: unknown };
    return { status: res.status, requestId: res.headers.get('x-request-id'), error: json.error };
  }

  it('answers malformed bodies with 400 and the offending param', async () => {
    const f = await startFake();
    expect(await post(f, '{"model":"m"}')).toMatchObject({ status: 400, error: { param: 'messages', code: 'missing_required_parameter' } });
    expect(await post(f, '{"model":"m","messages":"hi"}')).toMatchObject({ status: 400, error: { param: 'messages', code: 'invalid_type' } });
    expect(await post(f, '{"model":"m","messages":[{"role":"bogus","content":"x"}]}')).toMatchObject({
      status: 400,
      error: { param: 'messages[0].role', code: 'invalid_value', type: 'invalid_request_error' },
    });
    expect(await post(f, '{not json')).toMatchObject({ status: 400, error: { type: 'invalid_request_error' } });
    expect(f.requests).toHaveLength(4);
    expect(f.requests[3]?.rawBody).toBe('{not json');
  });

  it('rejects a missing key with 401 and unknown paths with 404, always with x-request-id', async () => {
    const f = await startFake();
    const noKey = await post(f, '{"model":"m","messages":[{"role":"user","content":"x"}]}', null);
    expect(noKey.status).toBe(401);
    expect(noKey.requestId).toMatch(/^req_[0-9a-f]{32}$/);

    const res = await fetch(`${f.baseURL}/nope`, { method: 'POST', headers: { authorization: 'Bearer sk-test' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await res.json()).toEqual({ error: { message: 'Invalid URL (POST /v1/nope)', type: 'invalid_request_error', param: null, code: null } });
  });

  it('formats rate-limit reset durations like OpenAI', () => {
    expect([formatDuration(120), formatDuration(1000), formatDuration(8640), formatDuration(360_000)]).toEqual(['120ms', '1s', '8.64s', '6m0s']);
  });
});
