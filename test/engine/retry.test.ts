import { describe, expect, it } from 'vitest';
import { openSessionStore } from '../../src/adapters/store/open-session-store.js';
import { OPEN_POLICY } from '../../src/domain/access.js';
import type { HistoryMessage } from '../../src/domain/message.js';
import { type ChatModel, type CompletionRequest, ModelError } from '../../src/engine/chat-model.js';
import { Engine, type Question, type RetryRequest, type RetrySink } from '../../src/engine/engine.js';
import { Memory } from '../../src/engine/memory.js';
import { accessPrecondition } from '../../src/engine/preconditions.js';
import type { AnswerProblem } from '../../src/engine/problems.js';
import { testRules } from '../helpers/domain.js';
import { captureLogs } from '../helpers/logs.js';

/** Records what a retry did to it; `deliver: false` refuses the final delivery, as a deleted channel would. */
class RecordingRetrySink implements RetrySink {
  question: HistoryMessage | undefined;
  problems: AnswerProblem[] = [];
  finished: string[] = [];
  constructor(private readonly deliver = true) {}
  regenerating(question: HistoryMessage): void {
    this.question = question;
  }
  async start(): Promise<void> {}
  progress(): void {}
  async settle(): Promise<readonly string[]> {
    return ['new-reply'];
  }
  async finish(text: string): Promise<readonly string[]> {
    if (!this.deliver) throw new Error('Unknown Channel');
    this.finished.push(text);
    return ['new-reply'];
  }
  async fail(problem: AnswerProblem): Promise<void> {
    this.problems.push(problem);
  }
}

const ignoring = {
  start: async () => undefined,
  progress: () => undefined,
  settle: async () => ['reply'],
  finish: async () => ['reply'],
  fail: async () => undefined,
};

/** Answers each request with the next scripted text (or failure), recording what it was sent. */
class ScriptedModel implements ChatModel {
  requests: CompletionRequest[] = [];
  constructor(private readonly answers: Array<string | ModelError>) {}
  async complete(request: CompletionRequest, onText: (t: string) => void) {
    this.requests.push(request);
    const next = this.answers.shift() ?? 'out of script';
    if (next instanceof ModelError) throw next;
    onText(next);
    return { text: next, finishReason: 'stop' };
  }
}

async function setup(answers: Array<string | ModelError>) {
  const store = await openSessionStore('memory://', captureLogs().logger);
  const memory = new Memory(store, { limit: 100, systemPrompt: 'sys', model: 'm', tokenBudget: 10_000 }, testRules());
  const model = new ScriptedModel(answers);
  const engine = new Engine(memory, model, captureLogs().logger, { maxReplyTokens: 256, maxConcurrent: 4, preconditions: [accessPrecondition(OPEN_POLICY)] });
  return { engine, memory, model };
}

const q = (content: string, id: string, userId = 'u1', authorName = 'Ada'): Question => ({
  sessionKey: 'c1',
  asker: { userId, channelId: 'c1', guildId: 'g1', roleIds: [] },
  authorName,
  content,
  sourceId: id,
});

const retryBy = (userId: string, moderator = false): RetryRequest => ({
  sessionKey: 'c1',
  asker: { userId, channelId: 'c1', guildId: 'g1', roleIds: [] },
  moderator,
});

describe('Engine.retry', () => {
  it('sends the last question again with only the history before it, and replaces the round when the answer is delivered', async () => {
    const { engine, memory, model } = await setup(['one', 'two', 'two again']);
    await engine.ask(q('first', '101'), ignoring);
    await engine.ask(q('second', '102'), ignoring);
    const sink = new RecordingRetrySink();
    expect(await engine.retry(retryBy('u1'), sink)).toBe('answered');
    expect(model.requests[2]?.messages.map((m) => m.content)).toEqual(['sys', 'Ada: first', 'one', 'Ada: second']);
    expect(sink.question?.discordMessageIds).toEqual(['102']);
    expect(sink.finished).toEqual(['two again']);
    const session = await memory.read('c1');
    expect(session.history.map((m) => [m.seq, m.content, m.discordMessageIds])).toEqual([
      [0, 'first', ['101']],
      [1, 'one', ['reply']],
      [4, 'second', ['102']],
      [5, 'two again', ['new-reply']],
    ]);
    expect(session.pending).toBeUndefined();
  });

  it('a failed completion changes nothing and says why', async () => {
    const { engine, memory } = await setup(['one', new ModelError('unavailable', { reason: 'server_error', status: 502 })]);
    await engine.ask(q('first', '101'), ignoring);
    const before = await memory.read('c1');
    const sink = new RecordingRetrySink();
    expect(await engine.retry(retryBy('u1'), sink)).toBe('failed');
    expect(sink.problems).toEqual([{ code: 'model_failed', kind: 'unavailable', details: { reason: 'server_error', status: 502 } }]);
    expect(await memory.read('c1')).toEqual(before);
  });

  it('an answer that cannot be delivered gives the old round back, as it was', async () => {
    const { engine, memory } = await setup(['one', 'lost']);
    await engine.ask(q('first', '101'), ignoring);
    await memory.pin('c1', [0]);
    const sink = new RecordingRetrySink(false);
    expect(await engine.retry(retryBy('u1'), sink)).toBe('undelivered');
    const session = await memory.read('c1');
    expect(session.history.map((m) => [m.content, m.pinned, m.discordMessageIds])).toEqual([
      ['first', true, ['101']],
      ['one', false, ['reply']],
    ]);
    expect(session.pending).toBeUndefined();
  });

  it('refuses someone else’s round to a non-moderator, and an empty memory, before any completion', async () => {
    const { engine, model } = await setup(['one']);
    const empty = new RecordingRetrySink();
    expect(await engine.retry(retryBy('u1'), empty)).toBe('rejected');
    expect(empty.problems.map((p) => p.code === 'refused' && p.error.code)).toEqual(['nothing_to_retry']);
    await engine.ask(q('first', '101'), ignoring);
    const other = new RecordingRetrySink();
    expect(await engine.retry(retryBy('u2'), other)).toBe('rejected');
    expect(other.problems).toMatchObject([{ code: 'refused', error: { code: 'retry_not_yours', details: { author: 'Ada' } } }]);
    expect(model.requests).toHaveLength(1);
    // A moderator may.
    expect(await engine.retry(retryBy('u2', true), new RecordingRetrySink())).toBe('answered');
  });

  it('runs in the session’s turn: a retry asked while a question is answered regenerates that question’s round', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { engine, memory } = await setup(['one', 'two', 'two again']);
    await engine.ask(q('first', '101'), ignoring);
    const asking = engine.ask(q('second', '102'), {
      ...ignoring,
      start: async () => {
        await held;
      },
    });
    const retrying = engine.retry(retryBy('u1'), new RecordingRetrySink());
    release();
    await asking;
    expect(await retrying).toBe('answered');
    expect((await memory.read('c1')).history.map((m) => m.content)).toEqual(['first', 'one', 'second', 'two again']);
  });
});
