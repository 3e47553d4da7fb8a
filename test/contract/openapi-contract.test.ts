import { describe, expect, it } from 'vitest';
import { DISCORD_DEVIATIONS, discordContract, openaiContract } from './contracts.js';
import { ApiContract, type Exchange } from './openapi-contract.js';

const CHANNEL = '100000000000000010';

function exchange(overrides: Partial<Exchange> & Pick<Exchange, 'method' | 'path' | 'status'>): Exchange {
  return {
    query: new URLSearchParams(),
    requestContentType: undefined,
    requestBody: undefined,
    responseHeaders: {},
    responseBody: undefined,
    ...overrides,
  };
}

const discordError = (status: number, body: unknown): Pick<Exchange, 'status' | 'responseHeaders' | 'responseBody'> => ({
  status,
  responseHeaders: { 'content-type': 'application/json' },
  responseBody: body,
});

const chunk = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: null, finish_reason: null }],
  ...overrides,
});

const chatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, max_completion_tokens: 64 };

function streamed(events: unknown[]): Exchange {
  return exchange({
    method: 'POST',
    path: '/chat/completions',
    status: 200,
    requestContentType: 'application/json',
    requestBody: chatRequest,
    responseHeaders: { 'content-type': 'text/event-stream; charset=utf-8' },
    events,
  });
}

describe('ApiContract (Discord)', () => {
  const discord = discordContract();

  it('a route the extract does not describe is a problem, not a pass', () => {
    const problems = discord.check(exchange({ method: 'GET', path: `/channels/${CHANNEL}/pins`, status: 200 }));
    expect(problems).toEqual([expect.stringMatching(/GET \/channels\/\d+\/pins → 200: no operation for this route/)]);
    // A described route with a method it does not have is not described either.
    expect(discord.check(exchange({ method: 'PUT', path: `/channels/${CHANNEL}/typing`, status: 204 }))).toHaveLength(1);
  });

  it('accepts a conforming exchange and counts the operation', () => {
    const before = discord.seen.get('POST /channels/{channel_id}/typing') ?? 0;
    expect(discord.check(exchange({ method: 'POST', path: `/channels/${CHANNEL}/typing`, status: 204 }))).toEqual([]);
    expect(discord.seen.get('POST /channels/{channel_id}/typing')).toBe(before + 1);
  });

  it('checks path and query parameters', () => {
    const notSnowflake = discord.check(exchange({ method: 'POST', path: '/channels/general/typing', status: 204 }));
    expect(notSnowflake).toEqual([expect.stringMatching(/path parameter channel_id=general: .*must match pattern/)]);
    const webhook = (query: string): string[] =>
      discord.check(
        exchange({
          method: 'POST',
          path: `/webhooks/${CHANNEL}/token`,
          query: new URLSearchParams(query),
          status: 204,
          requestContentType: 'application/json',
          requestBody: { content: 'hi' },
        }),
      );
    expect(webhook('wait=true')).toEqual([]);
    expect(webhook('wait=perhaps')).toEqual([expect.stringMatching(/query parameter wait=perhaps: .*must be boolean/)]);
    expect(webhook('with_response=true')).toEqual([expect.stringMatching(/query parameter with_response: is not a parameter of this operation/)]);
  });

  it('checks the request body against the schema of its content type', () => {
    const send = (body: unknown, type = 'application/json'): string[] =>
      discord.check(exchange({ method: 'POST', path: `/channels/${CHANNEL}/messages`, status: 204, requestContentType: type, requestBody: body }));
    expect(send({ content: 5 })).toEqual(expect.arrayContaining([expect.stringMatching(/request body: \/content must be string,null/)]));
    expect(send({ content: 'x'.repeat(4001) })).toEqual(expect.arrayContaining([expect.stringMatching(/must NOT have more than 4000 characters/)]));
    expect(send({ content: 'hi' }, 'text/plain')).toEqual(expect.arrayContaining([expect.stringMatching(/content type text\/plain is not one of/)]));
    expect(send(undefined)).toEqual(expect.arrayContaining([expect.stringMatching(/request body: is required/)]));
    const deleteWithBody = discord.check(
      exchange({ method: 'DELETE', path: `/channels/${CHANNEL}/messages/${CHANNEL}`, status: 204, requestContentType: 'application/json', requestBody: {} }),
    );
    expect(deleteWithBody).toEqual([expect.stringMatching(/request body: was sent, but the operation takes none/)]);
  });

  it('checks the status, the body and the documented headers of the response', () => {
    const typing = (response: Partial<Exchange>): string[] =>
      discord.check(exchange({ method: 'POST', path: `/channels/${CHANNEL}/typing`, status: 204, ...response }));
    expect(typing(discordError(404, { message: 'Unknown Channel', code: 10003 }))).toEqual([]);
    expect(typing(discordError(404, { message: 'Unknown Channel' }))).toEqual([expect.stringMatching(/response body: .*must have required property 'code'/)]);
    expect(typing(discordError(500, { message: '500: Internal Server Error', code: 0 }))).toEqual([expect.stringMatching(/status: 500 is not a documented response/)]);
    expect(typing({ status: 204, responseHeaders: { 'x-ratelimit-limit': 'five' } })).toEqual([expect.stringMatching(/response header X-RateLimit-Limit: five: .*must be integer/)]);
    expect(typing({ status: 204, responseHeaders: { 'content-type': 'application/json' }, responseBody: {} })).toEqual([
      expect.stringMatching(/status 204 has no body in the description/),
    ]);
  });

  it('a 429 body may leave out `code` (a documented deviation), but not retry_after', () => {
    const limited = (body: unknown): string[] => discord.check(exchange({ method: 'POST', path: `/channels/${CHANNEL}/typing`, ...discordError(429, body) }));
    expect(limited({ message: 'You are being rate limited.', retry_after: 0.5, global: false })).toEqual([]);
    expect(limited({ message: 'You are being rate limited.', global: false })).toEqual([expect.stringMatching(/must have required property 'retry_after'/)]);
  });

  it("50035's field errors carry string codes (a documented deviation), its top-level code stays an integer", () => {
    const formError = (code: unknown, fieldCode: unknown): string[] =>
      discord.check(
        exchange({
          method: 'POST',
          path: `/channels/${CHANNEL}/typing`,
          ...discordError(400, { message: 'Invalid Form Body', code, errors: { content: { _errors: [{ code: fieldCode, message: 'Must be 2000 or fewer in length.' }] } } }),
        }),
      );
    expect(formError(50035, 'BASE_TYPE_MAX_LENGTH')).toEqual([]);
    expect(formError(50035, 50035)).not.toEqual([]);
    expect(formError('50035', 'BASE_TYPE_MAX_LENGTH')).not.toEqual([]);
  });

  it('a deviation whose upstream shape is gone fails loudly instead of patching something else', () => {
    const document = { 'x-contextcord-extract': { repository: 'r', commit: 'c', file: 'f' }, paths: {}, components: { schemas: { RatelimitedResponse: { type: 'object' } } } };
    expect(() => new ApiContract('discord', document, { deviations: DISCORD_DEVIATIONS })).toThrow(/no longer applies.*remove it if upstream fixed it/);
  });
});

describe('ApiContract (OpenAI)', () => {
  const openai = openaiContract();

  it('checks every stream chunk; nullable fields (3.0 `nullable`, converted) accept null', () => {
    expect(
      openai.check(
        streamed([
          chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], usage: null }),
          chunk(),
          chunk({ choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }),
        ]),
      ),
    ).toEqual([]);
    const problems = openai.check(streamed([chunk(), chunk({ object: 'chat.completion' }), chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'done' }] })]));
    expect(problems).toEqual([
      expect.stringMatching(/stream event 1: \/object must be equal to one of the allowed values/),
      expect.stringMatching(/stream event 2: .*finish_reason/),
    ]);
  });

  it('checks an error event in a stream as an error body', () => {
    const error = { message: 'The server had an error', type: 'server_error', param: null, code: null };
    expect(openai.check(streamed([chunk(), { error }]))).toEqual([]);
    expect(openai.check(streamed([{ error: { message: 'no type' } }]))).toEqual([expect.stringMatching(/stream event 0 \(an error event\): .*must have required property 'type'/)]);
  });

  it('checks the request: max_tokens is still described (deprecated), unknown roles are not', () => {
    const request = (body: Record<string, unknown>): string[] => openai.check({ ...streamed([]), requestBody: body });
    expect(request({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 64 })).toEqual([]);
    expect(request({ model: 'm', messages: [{ role: 'robot', content: 'Hi' }] })).toEqual(expect.arrayContaining([expect.stringMatching(/request body: \/messages\/0/)]));
    expect(request({ messages: [{ role: 'user', content: 'Hi' }] })).toEqual(expect.arrayContaining([expect.stringMatching(/must have required property 'model'/)]));
  });

  it('an error status the operation does not list is checked as ErrorResponse', () => {
    const failed = (body: unknown): string[] =>
      openai.check(exchange({ ...streamed([]), status: 400, responseHeaders: { 'content-type': 'application/json' }, responseBody: body, events: undefined }));
    expect(failed({ error: { message: 'bad', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } })).toEqual([]);
    expect(failed({ error: { message: 'bad', type: 'invalid_request_error', code: null } })).toEqual([expect.stringMatching(/error body \(status 400.*must have required property 'param'/)]);
  });

  it('checks the documented Retry-After header of a 429', () => {
    const limited = (retryAfter: string): string[] =>
      openai.check(
        exchange({
          ...streamed([]),
          status: 429,
          responseHeaders: { 'content-type': 'application/json', 'retry-after': retryAfter },
          responseBody: { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
          events: undefined,
        }),
      );
    expect(limited('2')).toEqual([]);
    expect(limited('0.05')).toEqual([expect.stringMatching(/response header Retry-After: 0.05: .*must be integer/)]);
  });

  it('a dropped connection (status 0) checks only the request', () => {
    expect(openai.check({ ...streamed([]), status: 0, responseHeaders: {} })).toEqual([]);
    expect(openai.check({ ...streamed([]), status: 0, responseHeaders: {}, requestBody: {} })).not.toEqual([]);
  });
});
