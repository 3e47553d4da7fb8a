import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chooseMaxTokensParam,
  faultFacts,
  type MaxTokensParam,
  type MaxTokensParamSetting,
  OpenAIChatModel,
  StreamIdleError,
} from '../../src/adapters/openai-chat-model.js';
import { ModelError } from '../../src/engine/chat-model.js';
import { FakeOpenAI, roughTokens } from '../fakes/fake-openai.js';

describe('OpenAIChatModel against the fake OpenAI server', () => {
  let fake: FakeOpenAI;
  let model: OpenAIChatModel;

  beforeEach(async () => {
    fake = await FakeOpenAI.start();
    model = new OpenAIChatModel({ apiKey: 'sk-test-1234', baseURL: fake.baseURL, maxRetries: 0, timeoutMs: 2000 });
  });
  afterEach(async () => {
    await fake.close();
  });

  const request = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hello' }], maxTokens: 100 };

  it('streams: onText sees the text grow and the result is the whole reply', async () => {
    fake.setResponder(() => 'Hello there, how are you today?');
    const seen: string[] = [];
    const completion = await model.complete(request, (t) => seen.push(t));
    // The usage the server sent in its last chunk, asked for with stream_options (the fake counts as roughTokens does).
    expect(completion).toEqual({
      text: 'Hello there, how are you today?',
      finishReason: 'stop',
      usage: { promptTokens: roughTokens('hello'), completionTokens: roughTokens('Hello there, how are you today?') },
    });
    expect(fake.requests[0]?.body).toMatchObject({ stream_options: { include_usage: true } });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(completion.text);
    const sent = fake.requests[0]?.body;
    expect(sent?.stream).toBe(true);
    expect(sent?.model).toBe('gpt-test');
    expect(sent?.max_tokens).toBe(100);
    expect(sent?.messages).toEqual([{ role: 'user', content: 'hello' }]);
  });

  it.each([
    [{ status: 429, retryAfterSeconds: 1 }, 'rate_limited'],
    [{ status: 500 }, 'unavailable'],
    [{ resetConnection: true }, 'unavailable'],
    [{ status: 401, code: 'invalid_api_key' }, 'auth'],
    [{ code: 'context_length_exceeded' }, 'context_length'],
    [{ breakStreamAfterChunks: 2 }, 'interrupted'],
    [{ errorEventAfterChunks: 2 }, 'interrupted'],
  ] as const)('maps fault %j to a ModelError of kind %s', async (fault, kind) => {
    fake.failNext(fault);
    const error = await model.complete(request, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).kind).toBe(kind);
    expect(JSON.stringify((error as ModelError).details)).not.toMatch(/sk-test/);
    expect((error as ModelError).message).not.toMatch(/sk-test/);
  });

  it('maps a hang past the timeout to a timeout', async () => {
    const quick = new OpenAIChatModel({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0, timeoutMs: 200 });
    fake.failNext({ hangMs: 1000 });
    const error = await quick.complete(request, () => {}).catch((e: unknown) => e);
    expect((error as ModelError).kind).toBe('timeout');
  });

  it('aborts a stream that goes silent for idleTimeoutMs: a timeout before any text', async () => {
    const idle = new OpenAIChatModel({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0, idleTimeoutMs: 100 });
    fake.setChunkDelay(10_000);
    const started = Date.now();
    const error = await idle.complete(request, () => {}).catch((e: unknown) => e);
    expect((error as ModelError).kind).toBe('timeout');
    expect((error as ModelError).cause).toBeInstanceOf(StreamIdleError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('aborts a stream that goes silent after some text as interrupted', async () => {
    const idle = new OpenAIChatModel({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0, idleTimeoutMs: 100 });
    fake.setChunkDelay(20);
    const error = await idle.complete(request, () => fake.setChunkDelay(10_000)).catch((e: unknown) => e);
    expect((error as ModelError).kind).toBe('interrupted');
  });

  it('fails as aborted, not as a short answer, when the caller aborts mid-stream', async () => {
    fake.setChunkDelay(20);
    const controller = new AbortController();
    const error = await model
      .complete({ ...request, signal: controller.signal }, () => controller.abort())
      .catch((e: unknown) => e);
    expect((error as ModelError).kind).toBe('aborted');
  });

  it('does not count the role-only first chunk as started: a break before any text is not interrupted', async () => {
    fake.failNext({ breakStreamAfterChunks: 0 });
    const error = await model.complete(request, () => {}).catch((e: unknown) => e);
    expect((error as ModelError).kind).toBe('unavailable');
  });

  it.each([
    [{ status: 429, retryAfterSeconds: 1.5 }, { status: 429, shouldRetry: undefined, retryAfterMs: 1500 }],
    [{ status: 503, shouldRetry: false }, { status: 503, shouldRetry: false, retryAfterMs: undefined }],
    [{ resetConnection: true }, { status: undefined, shouldRetry: undefined, retryAfterMs: undefined }],
  ] as const)('faultFacts reads status, x-should-retry and Retry-After of %j', async (fault, facts) => {
    fake.failNext(fault);
    const error = await model.complete(request, () => {}).catch((e: unknown) => e);
    expect(faultFacts(error as ModelError, Date.now())).toEqual(facts);
  });

  it('reports finish_reason length when the reply hits the token cap', async () => {
    fake.setResponder(() => 'word '.repeat(200));
    const completion = await model.complete({ ...request, maxTokens: 5 }, () => {});
    expect(completion.finishReason).toBe('length');
  });
});

describe('chooseMaxTokensParam', () => {
  const OPENAI = 'https://api.openai.com/v1';
  const OLLAMA = 'http://127.0.0.1:11434/v1';
  it.each<[MaxTokensParamSetting, string | undefined, string, MaxTokensParam]>([
    // OpenAI's own API: the non-deprecated parameter, whatever the model.
    ['auto', undefined, 'gpt-4o-mini', 'max_completion_tokens'],
    ['auto', OPENAI, 'gpt-4o-mini', 'max_completion_tokens'],
    ['auto', 'https://API.OpenAI.com/v1/', 'gpt-4.1', 'max_completion_tokens'],
    // Other servers: max_tokens, which they all understand…
    ['auto', OLLAMA, 'llama3.1', 'max_tokens'],
    ['auto', 'https://openrouter.ai/api/v1', 'gpt-4o-mini', 'max_tokens'],
    ['auto', 'https://api.openai.com.example.net/v1', 'gpt-4o', 'max_tokens'],
    // …unless the model is a reasoning model, which refuses it.
    ['auto', OLLAMA, 'o1-mini', 'max_completion_tokens'],
    ['auto', OLLAMA, 'o3', 'max_completion_tokens'],
    ['auto', OLLAMA, 'o4-mini', 'max_completion_tokens'],
    ['auto', OLLAMA, 'gpt-5', 'max_completion_tokens'],
    ['auto', OLLAMA, 'gpt-5-mini', 'max_completion_tokens'],
    ['auto', OLLAMA, 'gpt-4o', 'max_tokens'],
    ['auto', OLLAMA, 'qwen-o1-like', 'max_tokens'],
    // An explicit setting wins.
    ['max_tokens', OPENAI, 'gpt-5', 'max_tokens'],
    ['max_tokens', undefined, 'gpt-4o', 'max_tokens'],
    ['max_completion_tokens', OLLAMA, 'llama3.1', 'max_completion_tokens'],
  ])('%s with %s and %s → %s', (setting, baseURL, model, expected) => {
    expect(chooseMaxTokensParam(setting, baseURL, model)).toBe(expected);
  });
});

describe('OpenAIChatModel sends the chosen limit parameter, and only that one', () => {
  let fake: FakeOpenAI;
  beforeEach(async () => {
    fake = await FakeOpenAI.start();
    fake.setResponder(() => 'ok');
  });
  afterEach(async () => {
    await fake.close();
  });

  const ask = (options: { model: string; maxTokensParam?: MaxTokensParamSetting }) =>
    new OpenAIChatModel({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0, maxTokensParam: options.maxTokensParam }).complete(
      { model: options.model, messages: [{ role: 'user', content: 'hi' }], maxTokens: 50 },
      () => {},
    );

  it('max_tokens to another server', async () => {
    await expect(ask({ model: 'llama3.1' })).resolves.toMatchObject({ text: 'ok', finishReason: 'stop' });
    expect(fake.requests[0]?.body.max_tokens).toBe(50);
    expect(fake.requests[0]?.body).not.toHaveProperty('max_completion_tokens');
  });

  it('max_completion_tokens for a reasoning model, which the server accepts', async () => {
    await expect(ask({ model: 'gpt-5-mini' })).resolves.toMatchObject({ text: 'ok', finishReason: 'stop' });
    expect(fake.requests[0]?.body.max_completion_tokens).toBe(50);
    expect(fake.requests[0]?.body).not.toHaveProperty('max_tokens');
  });

  it('max_completion_tokens when configured so, for any model', async () => {
    await ask({ model: 'llama3.1', maxTokensParam: 'max_completion_tokens' });
    expect(fake.requests[0]?.body.max_completion_tokens).toBe(50);
    expect(fake.requests[0]?.body).not.toHaveProperty('max_tokens');
  });

  it('forcing max_tokens on a reasoning model gets OpenAI\'s refusal, as a request the server rejected', async () => {
    const error = await ask({ model: 'o3-mini', maxTokensParam: 'max_tokens' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).kind).toBe('bad_request');
    expect((error as ModelError).cause).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'max_tokens' });
  });
});
