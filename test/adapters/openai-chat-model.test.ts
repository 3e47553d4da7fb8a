import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIChatModel } from '../../src/adapters/openai-chat-model.js';
import { ModelError } from '../../src/services/chat-model.js';
import { FakeOpenAI } from '../fakes/fake-openai.js';

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
    expect(completion).toEqual({ text: 'Hello there, how are you today?', finishReason: 'stop' });
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
    expect((error as ModelError).userMessage).not.toMatch(/sk-test/);
  });

  it('maps a hang past the timeout to a timeout', async () => {
    const quick = new OpenAIChatModel({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0, timeoutMs: 200 });
    fake.failNext({ hangMs: 1000 });
    const error = await quick.complete(request, () => {}).catch((e: unknown) => e);
    expect((error as ModelError).kind).toBe('timeout');
  });

  it('reports finish_reason length when the reply hits the token cap', async () => {
    fake.setResponder(() => 'word '.repeat(200));
    const completion = await model.complete({ ...request, maxTokens: 5 }, () => {});
    expect(completion.finishReason).toBe('length');
  });
});
