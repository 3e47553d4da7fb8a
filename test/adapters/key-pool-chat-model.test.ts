import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyPoolChatModel, type KeyPoolChatModelOptions, keyLabel } from '../../src/adapters/key-pool-chat-model.js';
import { ModelError } from '../../src/engine/chat-model.js';
import { modelFailureText } from '../../src/presenters/en.js';

const said = (error: ModelError): string => modelFailureText(error.kind, error.details);
const NO_KEY_LEFT = "No working API key is left for the model server; the bot's owner must fix OPENAI_API_KEY.";
import { FakeOpenAI } from '../fakes/fake-openai.js';
import { captureLogs } from '../helpers/logs.js';

const A = 'sk-pool-first-key-AAAA';
const B = 'sk-pool-second-key-BBBB';
const C = 'sk-pool-third-key-CCCC';

const request = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hello' }], maxTokens: 100 };

describe('KeyPoolChatModel against the fake OpenAI server', () => {
  let fake: FakeOpenAI;

  beforeEach(async () => {
    fake = await FakeOpenAI.start();
    fake.setResponder(() => 'Hello there, how are you today?');
  });
  afterEach(async () => {
    await fake.close();
  });

  /** One key against the fake, 3 retries, 2 s timeouts. */
  function poolOptions(logger: KeyPoolChatModelOptions['logger']): KeyPoolChatModelOptions {
    return { apiKeys: [A], baseURL: fake.baseURL, maxRetries: 3, timeoutMs: 2000, idleTimeoutMs: 2000, logger };
  }

  /** A pool whose waits are recorded and pass instantly on a fake clock; random is 0 (no jitter). */
  function pool(overrides: Partial<KeyPoolChatModelOptions> = {}) {
    const clock = { now: 1_000_000 };
    const waits: number[] = [];
    const logs = captureLogs();
    const model = new KeyPoolChatModel({
      ...poolOptions(logs.logger),
      sleep: async (ms) => {
        waits.push(ms);
        clock.now += ms;
      },
      random: () => 0,
      now: () => clock.now,
      ...overrides,
    });
    return { model, waits, logs, clock };
  }

  async function failure(promise: Promise<unknown>): Promise<ModelError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }

  const keysUsed = () => fake.requests.map((r) => r.apiKey);

  describe('retries', () => {
    it('retries a 429 after the Retry-After the server asked for', async () => {
      const { model, waits } = pool();
      fake.failNext({ status: 429, retryAfterSeconds: 2 });
      const completion = await model.complete(request, () => {});
      expect(completion.text).toBe('Hello there, how are you today?');
      expect(waits).toEqual([2000]);
      expect(fake.requests).toHaveLength(2);
    });

    it('retries 500s with exponential backoff until one succeeds', async () => {
      const { model, waits } = pool();
      fake.failNext({ status: 500 }, 3);
      const completion = await model.complete(request, () => {});
      expect(completion.text).toBe('Hello there, how are you today?');
      expect(waits).toEqual([500, 1000, 2000]);
      expect(fake.requests).toHaveLength(4);
    });

    it('applies jitter of up to a quarter of the wait', async () => {
      const { model, waits } = pool({ random: () => 0.5 });
      fake.failNext({ status: 503 }, 2);
      await model.complete(request, () => {});
      expect(waits).toEqual([438, 875]);
    });

    it('retries a connection reset', async () => {
      const { model, waits } = pool();
      fake.failNext({ resetConnection: true });
      const completion = await model.complete(request, () => {});
      expect(completion.text).toBe('Hello there, how are you today?');
      expect(waits).toEqual([500]);
      expect(fake.requests).toHaveLength(2);
    });

    it('retries a request whose headers took longer than timeoutMs', async () => {
      const { model, waits } = pool({ timeoutMs: 100 });
      fake.failNext({ hangMs: 1000 });
      const completion = await model.complete(request, () => {});
      expect(completion.text).toBe('Hello there, how are you today?');
      expect(waits).toEqual([500]);
      expect(fake.requests).toHaveLength(2);
    });

    it('retries a stream that broke before any text arrived', async () => {
      const { model } = pool();
      fake.failNext({ breakStreamAfterChunks: 0 });
      const completion = await model.complete(request, () => {});
      expect(completion.text).toBe('Hello there, how are you today?');
      expect(fake.requests).toHaveLength(2);
    });

    it('gives up after maxRetries with a message that says what failed', async () => {
      const { model, waits } = pool({ maxRetries: 2 });
      fake.failNext({ status: 502 }, 5);
      const error = await failure(model.complete(request, () => {}));
      expect(error.kind).toBe('unavailable');
      expect(error.details).toEqual({ reason: 'server_error', status: 502, attempts: 3 });
      expect(said(error)).toBe('The model server had an error (HTTP 502). Gave up after 3 tries.');
      expect(error.cause).toBeInstanceOf(ModelError);
      expect(waits).toEqual([500, 1000]);
      expect(fake.requests).toHaveLength(3);
    });

    it('gives up on a key that stays rate limited, saying so', async () => {
      const { model, waits } = pool({ maxRetries: 1 });
      fake.failNext({ status: 429, retryAfterSeconds: 1 }, 5);
      const error = await failure(model.complete(request, () => {}));
      expect(error.kind).toBe('rate_limited');
      expect(said(error)).toBe('The model server is rate limiting requests right now. Gave up after 2 tries.');
      expect(waits).toEqual([1000]);
    });

    it('fails at once when the server asks to wait longer than maxRetryAfterMs', async () => {
      const { model, waits } = pool();
      fake.failNext({ status: 429, retryAfterSeconds: 3600 });
      const error = await failure(model.complete(request, () => {}));
      expect(error.kind).toBe('rate_limited');
      expect(error.details.waitMs).toBe(3_600_000);
      expect(said(error)).toMatch(/asks to wait 60 minutes/);
      expect(waits).toEqual([]);
      expect(fake.requests).toHaveLength(1);
    });

    it('fails at once on a 503 whose Retry-After is over the cap', async () => {
      const { model, waits } = pool({ maxRetryAfterMs: 5000 });
      fake.failNext({ status: 503, retryAfterSeconds: 10 });
      const error = await failure(model.complete(request, () => {}));
      expect(error.kind).toBe('unavailable');
      expect(said(error)).toMatch(/asks to wait 10 seconds/);
      expect(waits).toEqual([]);
    });

    it.each([
      [{ breakStreamAfterChunks: 2 }, 'interrupted'],
      [{ errorEventAfterChunks: 2 }, 'interrupted'],
      [{ code: 'context_length_exceeded' }, 'context_length'],
      [{ status: 404 }, 'bad_request'],
      [{ status: 500, shouldRetry: false }, 'unavailable'],
    ] as const)('does not retry %j (%s): exactly one request', async (fault, kind) => {
      const { model, waits } = pool();
      fake.failNext(fault);
      const seen: string[] = [];
      const error = await failure(model.complete(request, (t) => seen.push(t)));
      expect(error.kind).toBe(kind);
      expect(fake.requests).toHaveLength(1);
      expect(waits).toEqual([]);
      if (kind === 'interrupted') expect(seen.at(-1)).toBe('Hello th');
    });

    it('stops waiting when the request is cancelled during a backoff', async () => {
      // The real, abortable sleep this time.
      const model = new KeyPoolChatModel({
        ...poolOptions(captureLogs().logger),
        backoff: { baseMs: 10_000, maxMs: 10_000 },
      });
      fake.failNext({ status: 500 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      const error = await failure(model.complete({ ...request, signal: controller.signal }, () => {}));
      expect(error.kind).toBe('aborted');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(fake.requests).toHaveLength(1);
    });
  });

  describe('a silent stream', () => {
    it('is aborted after idleTimeoutMs and retried when no text had arrived', async () => {
      const { model, waits } = pool({ idleTimeoutMs: 100, maxRetries: 1 });
      fake.setChunkDelay(10_000);
      const started = Date.now();
      const error = await failure(model.complete(request, () => {}));
      expect(error.kind).toBe('timeout');
      expect(said(error)).toBe('The model started answering, then went silent. Gave up after 2 tries.');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(waits).toEqual([500]);
      expect(fake.requests).toHaveLength(2);
    });

    it('fails as interrupted, without a retry, once text was shown', async () => {
      const { model } = pool({ idleTimeoutMs: 100 });
      // Slow enough that the change below reaches the fake before it has sent everything.
      fake.setChunkDelay(20);
      const seen: string[] = [];
      const error = await failure(
        model.complete(request, (t) => {
          seen.push(t);
          fake.setChunkDelay(10_000);
        }),
      );
      expect(error.kind).toBe('interrupted');
      expect(seen[0]).toBe('Hell');
      expect(seen.at(-1)?.length).toBeLessThan('Hello there, how are you today?'.length);
      expect(fake.requests).toHaveLength(1);
    });
  });

  describe('the key pool', () => {
    it('takes the keys in turn', async () => {
      const { model } = pool({ apiKeys: [A, B, C] });
      for (let i = 0; i < 4; i++) await model.complete(request, () => {});
      expect(keysUsed()).toEqual([A, B, C, A]);
    });

    it('uses a key listed twice only once', async () => {
      const { model } = pool({ apiKeys: [A, B, A] });
      for (let i = 0; i < 3; i++) await model.complete(request, () => {});
      expect(keysUsed()).toEqual([A, B, A]);
    });

    it('hands a request rate limited on one key to the next at once, and rests that key for its Retry-After', async () => {
      const { model, waits, clock } = pool({ apiKeys: [A, B, C] });
      fake.failNext({ status: 429, retryAfterSeconds: 5 }, 1, A);
      await model.complete(request, () => {});
      expect(keysUsed()).toEqual([A, B]);
      expect(waits).toEqual([]);
      await model.complete(request, () => {});
      await model.complete(request, () => {});
      expect(keysUsed()).toEqual([A, B, C, B]);
      clock.now += 5000;
      await model.complete(request, () => {});
      expect(keysUsed()).toEqual([A, B, C, B, C]);
      await model.complete(request, () => {});
      expect(keysUsed().at(-1)).toBe(A);
    });

    it('waits for the key that is ready first when every key is rate limited', async () => {
      const { model, waits } = pool({ apiKeys: [A, B] });
      fake.failNext({ status: 429, retryAfterSeconds: 3 }, 1, A);
      fake.failNext({ status: 429, retryAfterSeconds: 1 }, 1, B);
      await model.complete(request, () => {});
      expect(keysUsed()).toEqual([A, B, B]);
      expect(waits).toEqual([1000]);
    });

    it('takes a refused key out of the pool with one log line naming only its last four characters, and retries on the next', async () => {
      const { model, logs } = pool({ apiKeys: [A, B, C], maxRetries: 0 });
      fake.revokeKey(B);
      await model.complete(request, () => {});
      const completion = await model.complete(request, () => {});
      expect(completion.text).toBe('Hello there, how are you today?');
      expect(keysUsed()).toEqual([A, B, C]);
      expect(model.liveKeys).toBe(2);

      const removals = logs.lines.filter((l) => typeof l['msg'] === 'string' && l['msg'].includes('refused'));
      expect(removals).toHaveLength(1);
      expect(removals[0]?.['level']).toBe(40);
      expect(removals[0]?.['msg']).toContain('…BBBB');
      for (const key of [A, B, C]) expect(logs.text()).not.toContain(key);

      await model.complete(request, () => {});
      await model.complete(request, () => {});
      expect(keysUsed().slice(3)).toEqual([A, C]);
    });

    it('reports a key once when requests in flight together are all refused by it', async () => {
      const { model, logs } = pool({ apiKeys: [A] });
      fake.revokeKey(A);
      fake.setLatency(30);
      const errors = await Promise.all([failure(model.complete(request, () => {})), failure(model.complete(request, () => {}))]);
      expect(errors.map(said)).toEqual([NO_KEY_LEFT, NO_KEY_LEFT]);
      expect(keysUsed()).toEqual([A, A]);
      expect(logs.lines.filter((l) => l['level'] === 40)).toHaveLength(1);
    });

    it('treats a 403 like a 401', async () => {
      const { model } = pool({ apiKeys: [A, B] });
      fake.failNext({ status: 403 }, 1, A);
      await model.complete(request, () => {});
      expect(keysUsed()).toEqual([A, B]);
      expect(model.liveKeys).toBe(1);
    });

    it('says clearly that no working key is left once every key was refused', async () => {
      const { model, logs } = pool({ apiKeys: [A, B, C] });
      for (const key of [A, B, C]) fake.revokeKey(key);
      const error = await failure(model.complete(request, () => {}));
      expect(error.kind).toBe('auth');
      expect(error.details.reason).toBe('no_key_left');
      expect(said(error)).toBe(NO_KEY_LEFT);
      expect(keysUsed()).toEqual([A, B, C]);
      expect(logs.lines.filter((l) => l['level'] === 40)).toHaveLength(3);

      const again = await failure(model.complete(request, () => {}));
      expect(said(again)).toBe(NO_KEY_LEFT);
      expect(fake.requests).toHaveLength(3);
    });
  });

  describe('its observer (metrics)', () => {
    function recorder() {
      const seen: string[] = [];
      return { seen, observer: { failed: (kind: string) => seen.push(`failed ${kind}`), retried: (kind: string) => seen.push(`retried ${kind}`) } };
    }

    it('hears every failed attempt and every retry, by kind', async () => {
      const { seen, observer } = recorder();
      const { model } = pool({ apiKeys: [A, B], observer });
      fake.failNext({ status: 500 });
      fake.failNext({ status: 429, retryAfterSeconds: 1 });
      fake.revokeKey(A);
      await model.complete(request, () => {});
      // A: 500, retried; B: 429, handed on; A: refused, dropped and retried on B, which answers.
      expect(fake.requests.map((r) => r.apiKey)).toEqual([A, B, A, B]);
      expect(seen).toEqual(['failed unavailable', 'retried unavailable', 'failed rate_limited', 'retried rate_limited', 'failed auth', 'retried auth']);
      expect(model.liveKeys).toBe(1);
    });

    it('counts the last failure too when the retries run out, and a fault that is never retried', async () => {
      const { seen, observer } = recorder();
      const { model } = pool({ maxRetries: 1, observer });
      fake.failNext({ status: 503 }, 2);
      await failure(model.complete(request, () => {}));
      fake.failNext({ status: 400, code: 'invalid_request_error' });
      await failure(model.complete(request, () => {}));
      expect(seen).toEqual(['failed unavailable', 'retried unavailable', 'failed unavailable', 'failed bad_request']);
    });
  });

  it('refuses an empty key list, saying what it expects', () => {
    expect(() => pool({ apiKeys: [' ', ''] })).toThrow(/`apiKeys` to hold at least one non-empty key/);
  });

  it.each([
    [A, 0, '#1 (…AAAA)'],
    ['ollama', 1, '#2'],
  ])('labels key %j at %i as %j in logs', (key, index, label) => {
    expect(keyLabel(key, index)).toBe(label);
  });
});
