import { describe, expect, it } from 'vitest';
import { openSessionStore } from '../../src/adapters/store/open-session-store.js';
import { OPEN_POLICY } from '../../src/domain/access.js';
import { SlidingWindowLimiter } from '../../src/domain/rate-limit.js';
import { type ChatModel, type CompletionRequest, ModelError } from '../../src/engine/chat-model.js';
import { TOKENS_PER_MESSAGE, TOKENS_REPLY_PRIMING } from '../../src/domain/tokens.js';
import { type AnswerOutcome, Engine, type Question, type ReplySink } from '../../src/engine/engine.js';
import { Memory } from '../../src/engine/memory.js';
import { accessPrecondition, rateLimitPrecondition } from '../../src/engine/preconditions.js';
import type { AnswerProblem } from '../../src/engine/problems.js';
import type { TurnObserver } from '../../src/engine/turn-observer.js';
import { answerProblemText } from '../../src/presenters/en.js';
import { testRules, wordTokens } from '../helpers/domain.js';
import { captureLogs } from '../helpers/logs.js';

class RecordingSink implements ReplySink {
  events: string[] = [];
  problems: AnswerProblem[] = [];
  constructor(private readonly deliver: boolean = true) {}
  async start(): Promise<void> {
    this.events.push('start');
  }
  progress(text: string): void {
    this.events.push(`progress:${text}`);
  }
  /** As if the streamed reply were already shown in one message. */
  async settle(): Promise<readonly string[]> {
    return ['reply-1'];
  }
  async finish(text: string): Promise<readonly string[]> {
    if (!this.deliver) throw new Error('Unknown Message');
    this.events.push(`finish:${text}`);
    return ['reply-1'];
  }
  async fail(problem: AnswerProblem, partial: string): Promise<void> {
    this.problems.push(problem);
    this.events.push(`fail:${answerProblemText(problem)}|${partial}`);
  }
}

/** A model at our own interface: answers by a script, records what it was asked. */
class ScriptedModel implements ChatModel {
  requests: CompletionRequest[] = [];
  constructor(private readonly answer: (req: CompletionRequest) => Promise<string> | string) {}
  async complete(request: CompletionRequest, onText: (t: string) => void) {
    this.requests.push(request);
    const text = await this.answer(request);
    for (let i = 1; i <= text.length; i += 3) onText(text.slice(0, i));
    onText(text);
    return { text, finishReason: 'stop' };
  }
}

/** Streams one word, then waits until cut off. */
function endlessModel(): ChatModel {
  return {
    complete: (request, onText) =>
      new Promise((_resolve, reject) => {
        onText('Once upon');
        request.signal?.addEventListener('abort', () => reject(new ModelError('aborted', {})), { once: true });
      }),
  };
}

/** Everything the engine reported, in order. */
class RecordingObserver implements TurnObserver {
  outcomes: AnswerOutcome[] = [];
  firstTexts: number[] = [];
  finishes: number[] = [];
  tokenCounts: Array<readonly [number, number]> = [];
  answered(outcome: AnswerOutcome): void {
    this.outcomes.push(outcome);
  }
  firstText(ms: number): void {
    this.firstTexts.push(ms);
  }
  finished(ms: number): void {
    this.finishes.push(ms);
  }
  tokens(prompt: number, reply: number): void {
    this.tokenCounts.push([prompt, reply]);
  }
}

async function setup(model: ChatModel, overrides: { tokenBudget?: number; rateLimit?: number; observer?: TurnObserver } = {}) {
  const store = await openSessionStore('memory://', captureLogs().logger);
  const memory = new Memory(store, { limit: 100, systemPrompt: 'sys', model: 'm', tokenBudget: overrides.tokenBudget ?? 10_000 }, testRules());
  const preconditions = [accessPrecondition(OPEN_POLICY)];
  if (overrides.rateLimit !== undefined) preconditions.push(rateLimitPrecondition(new SlidingWindowLimiter(overrides.rateLimit, 60_000)));
  const observer = overrides.observer === undefined ? {} : { observer: overrides.observer };
  const engine = new Engine(memory, model, captureLogs().logger, { maxReplyTokens: 256, maxConcurrent: 4, preconditions, ...observer });
  return { engine, memory, store };
}

const q = (content: string, id = '1', sessionKey = 'c1', userId = 'u1'): Question => ({
  sessionKey,
  asker: { userId, channelId: sessionKey, guildId: 'g1', roleIds: [] },
  authorName: 'Ada',
  content,
  sourceId: id,
});

describe('Engine', () => {
  it('answers with the session context and commits the round with its delivered ids', async () => {
    const model = new ScriptedModel((r) => `echo ${r.messages.length}`);
    const { engine, memory } = await setup(model);
    const sink = new RecordingSink();
    expect(await engine.ask(q('hi'), sink)).toBe('answered');
    expect(await engine.ask(q('again', '2'), new RecordingSink())).toBe('answered');
    expect(model.requests[1]?.messages.map((m) => m.content)).toEqual(['sys', 'Ada: hi', 'echo 2', 'Ada: again']);
    expect(model.requests[1]?.maxTokens).toBe(256);
    const session = await memory.read('c1');
    expect(session.history.map((m) => m.discordMessageIds)).toEqual([['1'], ['reply-1'], ['2'], ['reply-1']]);
    expect(session.history.map((m) => m.seq)).toEqual([0, 1, 2, 3]);
    expect(sink.events[0]).toBe('start');
    expect(sink.events.at(-1)).toBe('finish:echo 2');
  });

  it('a failed completion tells the asker by code and leaves the session unchanged', async () => {
    const model = new ScriptedModel(() => {
      throw new ModelError('unavailable', { reason: 'server_error', status: 502 });
    });
    const { engine, memory } = await setup(model);
    const sink = new RecordingSink();
    expect(await engine.ask(q('hi'), sink)).toBe('failed');
    expect(sink.problems).toEqual([{ code: 'model_failed', kind: 'unavailable', details: { reason: 'server_error', status: 502 } }]);
    expect(sink.events).toContain('fail:The model server had an error (HTTP 502). Your message was not added to memory.|');
    expect((await memory.read('c1')).history).toEqual([]);
  });

  it('a rejected question (too long for the budget) changes nothing and never reaches the model', async () => {
    const model = new ScriptedModel(() => 'x');
    const { engine, memory } = await setup(model, { tokenBudget: 10 });
    const sink = new RecordingSink();
    expect(await engine.ask(q('many words '.repeat(20)), sink)).toBe('rejected');
    expect(model.requests).toHaveLength(0);
    expect(sink.problems[0]).toMatchObject({ code: 'refused', error: { code: 'context_over_budget', details: { budget: 10 } } });
    expect(sink.events).toEqual(['start', expect.stringMatching(/^fail:.*budget/)]);
    expect((await memory.read('c1')).history).toEqual([]);
  });

  it('an empty question is refused with its code', async () => {
    const { engine } = await setup(new ScriptedModel(() => 'x'));
    const sink = new RecordingSink();
    expect(await engine.ask(q('   '), sink)).toBe('rejected');
    expect(sink.problems[0]).toMatchObject({ code: 'refused', error: { code: 'empty_message' } });
  });

  it('an answer that cannot be delivered is not committed', async () => {
    const { engine, memory } = await setup(new ScriptedModel(() => 'hello'));
    expect(await engine.ask(q('hi'), new RecordingSink(false))).toBe('undelivered');
    expect((await memory.read('c1')).history).toEqual([]);
  });

  it('a store failure while committing is logged and the asker is told nothing was kept', async () => {
    const model = new ScriptedModel(() => 'hello');
    const { engine, memory } = await setup(model);
    memory.storeAnswered = () => Promise.reject(new Error('disk full'));
    const sink = new RecordingSink();
    expect(await engine.ask(q('hi'), sink)).toBe('failed');
    expect(sink.problems.at(-1)).toEqual({ code: 'internal' });
    expect(sink.events.at(-1)).toBe('fail:Something went wrong on my side. Your message was not added to memory.|');
    // The session's queue keeps working.
    expect(await engine.ask(q('again', '2'), new RecordingSink())).toBe('failed');
  });

  it('answers one session in arrival order, each seeing the round before; sessions run concurrently', async () => {
    const gates = new Map<string, () => void>();
    const model = new ScriptedModel(async (r) => {
      const last = String(r.messages.at(-1)?.content);
      if (last.includes('slow')) await new Promise<void>((resolve) => gates.set('slow', resolve));
      return `re ${last} after ${r.messages.length - 2}`;
    });
    const { engine, memory } = await setup(model);
    const first = engine.ask(q('slow', '1', 'A'), new RecordingSink());
    const second = engine.ask(q('second', '2', 'A'), new RecordingSink());
    // Session B is answered while A's first question is still waiting on the model.
    expect(await engine.ask(q('other', '3', 'B'), new RecordingSink())).toBe('answered');
    expect(model.requests.map((r) => r.messages.at(-1)?.content)).toEqual(['Ada: slow', 'Ada: other']);
    gates.get('slow')?.();
    await Promise.all([first, second]);
    const a = await memory.read('A');
    expect(a.history.map((m) => m.content)).toEqual(['slow', 're Ada: slow after 0', 'second', 're Ada: second after 2']);
  });

  it('the context-length retry builds a smaller context once and answers from it', async () => {
    let calls = 0;
    const model = new ScriptedModel((r) => {
      calls += 1;
      if (calls === 1) throw new ModelError('context_length', {}, { cause: new Error("This model's maximum context length is 300 tokens") });
      return `fit ${r.messages.length}`;
    });
    const { engine, memory } = await setup(model);
    for (let i = 0; i < 5; i += 1) await memory.commitRound('c1', [memory.message({ role: 'user', content: 'w '.repeat(30) }), memory.message({ role: 'assistant', content: 'a' })]);
    expect(await engine.ask(q('now'), new RecordingSink())).toBe('answered');
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1]!.messages.length).toBeLessThan(model.requests[0]!.messages.length);
  });

  it('a user over the rate limit is told once, and nothing reaches memory or the model', async () => {
    const model = new ScriptedModel(() => 'ok');
    const { engine, memory } = await setup(model, { rateLimit: 1 });
    expect(await engine.ask(q('one'), new RecordingSink())).toBe('answered');
    const told = new RecordingSink();
    expect(await engine.ask(q('two', '2'), told)).toBe('rate_limited');
    expect(told.problems[0]).toMatchObject({ code: 'rate_limited', limit: 1 });
    const silent = new RecordingSink();
    expect(await engine.ask(q('three', '3'), silent)).toBe('rate_limited');
    expect(silent.events).toEqual([]);
    expect(model.requests).toHaveLength(1);
    expect((await memory.read('c1')).history).toHaveLength(2);
    // Commands are not counted against the question limit.
    expect(engine.admitCommand(q('x').asker)).toBeUndefined();
  });

  it('a blocked user is ignored without a word, for questions and commands alike', async () => {
    const store = await openSessionStore('memory://', captureLogs().logger);
    const memory = new Memory(store, { limit: 100, systemPrompt: '', model: 'm', tokenBudget: 1000 }, testRules());
    const model = new ScriptedModel(() => 'ok');
    const engine = new Engine(memory, model, captureLogs().logger, {
      maxReplyTokens: 16,
      maxConcurrent: 1,
      preconditions: [accessPrecondition({ ...OPEN_POLICY, blockedUserIds: new Set(['bad']) })],
    });
    const sink = new RecordingSink();
    expect(await engine.ask(q('hi', '1', 'c1', 'bad'), sink)).toBe('ignored');
    expect(sink.events).toEqual([]);
    expect(model.requests).toHaveLength(0);
    expect(engine.admitCommand(q('x', '1', 'c1', 'bad').asker)).toEqual({ code: 'not_enabled', decision: 'blocked' });
  });

  it('stopping: answers under way get the grace, then are cut off and told; queued ones are told to ask again; nothing is stored', async () => {
    const { engine, memory } = await setup(endlessModel());
    const streaming = new RecordingSink();
    const queued = new RecordingSink();
    const answering = engine.ask(q('tell me a story'), streaming);
    const waiting = engine.ask(q('and another', '2'), queued);
    await expect.poll(() => streaming.events.includes('progress:Once upon')).toBe(true);
    expect(await engine.stop(20)).toBe(false);
    expect(await answering).toBe('failed');
    expect(await waiting).toBe('failed');
    expect(streaming.problems).toEqual([{ code: 'restarting', interrupted: true }]);
    expect(streaming.events.at(-1)).toMatch(/^fail:This answer was interrupted because the bot is restarting\..*\|Once upon$/);
    expect(queued.problems).toEqual([{ code: 'restarting', interrupted: false }]);
    expect((await memory.read('c1')).history).toEqual([]);
    // After stopping, a new question is not started either.
    const late = new RecordingSink();
    expect(await engine.ask(q('hello?', '3'), late)).toBe('failed');
    expect(late.problems).toEqual([{ code: 'restarting', interrupted: false }]);
  });

  it('cancel cuts off an answer from the start of its turn: while its attachments are read, it never reaches the model or memory', async () => {
    const model = new ScriptedModel(() => 'too late');
    const { engine, memory } = await setup(model);
    let reading: (() => void) | undefined;
    const read = new Promise<void>((resolve) => (reading = resolve));
    let release: (() => void) | undefined;
    const question: Question = {
      ...q('what is in this file?'),
      attachments: async () => {
        reading?.();
        await new Promise<void>((resolve) => (release = resolve));
        return { text: 'the file', images: [], notes: [] };
      },
    };
    const sink = new RecordingSink();
    const answer = engine.ask(question, sink);
    await read;
    expect(engine.answering('c1')).toEqual({ authorName: 'Ada', question: 'what is in this file?', retry: false });
    expect(engine.cancel('c1', 'interrupted')).toBe(true);
    release?.();
    expect(await answer).toBe('failed');
    expect(sink.problems).toEqual([{ code: 'cancelled', by: 'interrupted' }]);
    expect(sink.events).toEqual(['fail:You stopped this answer while it was being written. Your message was not added to memory.|']);
    expect(model.requests).toHaveLength(0);
    expect((await memory.read('c1')).history).toEqual([]);
    expect(engine.answering('c1')).toBeUndefined();
    // Nothing is left to cancel, and the next question is answered.
    expect(engine.cancel('c1', 'reset')).toBe(false);
    expect(await engine.ask(q('hello', '2'), new RecordingSink())).toBe('answered');
  });

  it('cancel by the asker while the answer streams: told as theirs, with what was shown; nothing stored', async () => {
    const { engine, memory } = await setup(endlessModel());
    const sink = new RecordingSink();
    const answer = engine.ask(q('tell me a story'), sink);
    await expect.poll(() => sink.events.includes('progress:Once upon')).toBe(true);
    expect(engine.cancel('other', 'interrupted')).toBe(false);
    expect(engine.cancel('c1', 'interrupted')).toBe(true);
    expect(await answer).toBe('failed');
    expect(sink.problems).toEqual([{ code: 'cancelled', by: 'interrupted' }]);
    expect(sink.events.at(-1)).toBe('fail:You stopped this answer while it was being written. Your message was not added to memory.|Once upon');
    expect((await memory.read('c1')).history).toEqual([]);
  });

  it('stopping with nothing to cut off resolves at once and says everything finished', async () => {
    const { engine } = await setup(new ScriptedModel(() => 'quick'));
    expect(await engine.ask(q('hi'), new RecordingSink())).toBe('answered');
    expect(await engine.stop(10_000)).toBe(true);
  });

  describe('its observer (metrics)', () => {
    it('hears each outcome, the first text and the delivered answer once, and the tokens in and out', async () => {
      const observer = new RecordingObserver();
      const model = new ScriptedModel((r) => {
        if (r.messages.at(-1)?.content === 'Ada: break') throw new ModelError('unavailable', {});
        return 'a three word reply';
      });
      const { engine } = await setup(model, { observer, rateLimit: 3 });
      expect(await engine.ask(q('hi'), new RecordingSink())).toBe('answered');
      // The prompt is the system prompt and the question, each with the chat format's overhead.
      const prompt = wordTokens.count('sys') + wordTokens.count('Ada: hi') + 2 * TOKENS_PER_MESSAGE + TOKENS_REPLY_PRIMING;
      expect(observer.tokenCounts).toEqual([[prompt, wordTokens.count('a three word reply')]]);
      expect(observer.firstTexts).toHaveLength(1);
      expect(observer.finishes).toHaveLength(1);
      expect(observer.firstTexts[0]).toBeGreaterThanOrEqual(0);
      expect(observer.finishes[0]).toBeGreaterThanOrEqual(observer.firstTexts[0]!);

      expect(await engine.ask(q('break', '2'), new RecordingSink())).toBe('failed');
      expect(await engine.ask(q('   ', '3'), new RecordingSink())).toBe('rejected');
      expect(await engine.ask(q('over the limit', '4'), new RecordingSink())).toBe('rate_limited');
      expect(await engine.ask(q('not delivered', '5', 'c2', 'u2'), new RecordingSink(false))).toBe('undelivered');
      expect(observer.outcomes).toEqual(['answered', 'failed', 'rejected', 'rate_limited', 'undelivered']);
      // No text came for the failure and the refusals; the undelivered answer streamed and was counted, never delivered.
      expect(observer.firstTexts).toHaveLength(2);
      expect(observer.tokenCounts).toHaveLength(2);
      expect(observer.finishes).toHaveLength(1);
    });

    it('reports the prompt tokens of the smaller context when the context-length retry answers', async () => {
      const observer = new RecordingObserver();
      const model = new ScriptedModel((r) => {
        if (model.requests.length === 1) throw new ModelError('context_length', {}, { cause: new Error("This model's maximum context length is 300 tokens") });
        return `fit ${r.messages.length}`;
      });
      const { engine, memory } = await setup(model, { observer });
      for (let i = 0; i < 5; i += 1) await memory.commitRound('c1', [memory.message({ role: 'user', content: 'w '.repeat(30) }), memory.message({ role: 'assistant', content: 'a' })]);
      expect(await engine.ask(q('now'), new RecordingSink())).toBe('answered');
      const sent = model.requests.map((r) => r.messages.reduce((sum, m) => sum + wordTokens.count(m.content) + TOKENS_PER_MESSAGE, TOKENS_REPLY_PRIMING));
      expect(observer.tokenCounts.map(([prompt]) => prompt)).toEqual([sent[1]]);
      expect(sent[1]).toBeLessThan(sent[0]!);
      expect(observer.firstTexts).toHaveLength(1);
    });

    it('exposes the deepest session queue and the completions running and waiting', async () => {
      const gates: Array<() => void> = [];
      const model = new ScriptedModel(() => new Promise<string>((resolve) => gates.push(() => resolve('done'))));
      const store = await openSessionStore('memory://', captureLogs().logger);
      const memory = new Memory(store, { limit: 100, systemPrompt: 'sys', model: 'm', tokenBudget: 1000 }, testRules());
      const engine = new Engine(memory, model, captureLogs().logger, { maxReplyTokens: 16, maxConcurrent: 1 });
      expect(engine.maxQueueDepth).toBe(0);
      const asked = [engine.ask(q('a1', '1', 'A'), new RecordingSink()), engine.ask(q('a2', '2', 'A'), new RecordingSink()), engine.ask(q('a3', '3', 'A'), new RecordingSink()), engine.ask(q('b1', '4', 'B'), new RecordingSink())];
      await expect.poll(() => engine.completions).toEqual({ running: 1, waiting: 1 });
      expect(engine.maxQueueDepth).toBe(3);
      while (gates.length > 0 || engine.busySessions > 0) {
        gates.shift()?.();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      expect(await Promise.all(asked)).toEqual(['answered', 'answered', 'answered', 'answered']);
      expect(engine.maxQueueDepth).toBe(0);
      expect(engine.completions).toEqual({ running: 0, waiting: 0 });
    });
  });
  describe('acknowledged means stored', () => {
    it('the round is stored, marked pending, before the sink shows the answer in full; the mark goes once it is shown', async () => {
      const { engine, memory } = await setup(new ScriptedModel(() => 'hello there'));
      const seen: Array<{ messages: number; pending: unknown }> = [];
      const sink = new RecordingSink();
      sink.finish = async (text) => {
        const session = await memory.read('c1');
        seen.push({ messages: session.history.length, pending: session.pending });
        sink.events.push(`finish:${text}`);
        return ['reply-1', 'reply-2'];
      };
      expect(await engine.ask(q('hi'), sink)).toBe('answered');
      expect(seen).toHaveLength(1);
      expect(seen[0]?.messages).toBe(2);
      expect(seen[0]?.pending).toMatchObject([{ seq: 1 }]);
      const after = await memory.read('c1');
      expect(after.pending).toBeUndefined();
      expect(after.history.map((m) => m.content)).toEqual(['hi', 'hello there']);
      // The ids it was shown in when it was stored (the sink's settle), not those delivery added.
      expect(after.history[1]?.discordMessageIds).toEqual(['reply-1']);
    });

    it('an answer that cannot be delivered is withdrawn, and what the limit would have trimmed for it is still there', async () => {
      const store = await openSessionStore('memory://', captureLogs().logger);
      const memory = new Memory(store, { limit: 2, systemPrompt: 'sys', model: 'm', tokenBudget: 10_000 }, testRules());
      const engine = new Engine(memory, new ScriptedModel(() => 'answer'), captureLogs().logger, { maxReplyTokens: 256, maxConcurrent: 4 });
      expect(await engine.ask(q('first'), new RecordingSink())).toBe('answered');
      const before = await memory.read('c1');
      expect(await engine.ask(q('second', '2'), new RecordingSink(false))).toBe('undelivered');
      const after = await memory.read('c1');
      expect(after.history).toEqual(before.history);
      expect(after.pending).toBeUndefined();
    });

    it('a pass after a start shows pending answers in full and confirms them; young, foreign and failing ones stay marked', async () => {
      const store = await openSessionStore('memory://', captureLogs().logger);
      let clock = 1_000;
      const rules = testRules({ now: () => clock });
      const memory = new Memory(store, { limit: 100, systemPrompt: 'sys', model: 'm', tokenBudget: 10_000 }, rules);
      const round = (k: string) => [memory.message({ role: 'user', content: `q ${k}`, discordMessageIds: [`m-${k}`] }), memory.message({ role: 'assistant', content: `a ${k}` })];
      for (const key of ['done', 'gone', 'foreign', 'failing']) await memory.storeAnswered(key, round(key));
      clock = 9_000; // 1 s before the pass: within its 5 s grace, perhaps still being delivered by another process
      await memory.storeAnswered('young', round('young'));
      const engine = new Engine(memory, new ScriptedModel(() => 'x'), captureLogs().logger, { maxReplyTokens: 256, maxConcurrent: 4, now: () => 10_000 });
      const asked: string[] = [];
      const report = await engine.finishPending(async ({ key, question, reply }) => {
        asked.push(`${key}: ${question?.discordMessageIds[0] ?? '?'} -> ${reply.content}`);
        if (key === 'gone') return 'gone';
        if (key === 'foreign') return 'not_ours';
        if (key === 'failing') throw new Error('Discord is down');
        return 'delivered';
      }, 5_000);
      expect(report).toEqual({ finished: 1, gone: 1, waiting: 1, notOurs: 1, failed: 1 });
      expect(asked.sort()).toEqual(['done: m-done -> a done', 'failing: m-failing -> a failing', 'foreign: m-foreign -> a foreign', 'gone: m-gone -> a gone']);
      const left: string[] = [];
      for await (const key of memory.pendingSessions()) left.push(key);
      expect(left.sort()).toEqual(['failing', 'foreign', 'young']);
      // Confirmed or not, every round is still in memory.
      for (const key of ['done', 'gone', 'foreign', 'failing', 'young']) expect((await memory.read(key)).history).toHaveLength(2);
    });
  });
});
