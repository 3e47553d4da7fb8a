import { describe, expect, it } from 'vitest';
import { openSessionStore } from '../../src/adapters/store/open-session-store.js';
import { OPEN_POLICY } from '../../src/domain/access.js';
import { TOKENS_PER_MESSAGE, TOKENS_REPLY_PRIMING } from '../../src/domain/tokens.js';
import { usageReport } from '../../src/domain/usage.js';
import { type ChatModel, type Completion, type CompletionRequest, ModelError } from '../../src/engine/chat-model.js';
import { Engine, type Question, type ReplySink } from '../../src/engine/engine.js';
import { Memory } from '../../src/engine/memory.js';
import { accessPrecondition } from '../../src/engine/preconditions.js';
import { testRules, wordTokens } from '../helpers/domain.js';
import { captureLogs } from '../helpers/logs.js';

const sink = (): ReplySink & { shown: string[]; failed: unknown[] } => {
  const shown: string[] = [];
  const failed: unknown[] = [];
  return {
    shown,
    failed,
    start: async () => undefined,
    progress: () => undefined,
    settle: async () => ['r'],
    finish: async (text) => {
      shown.push(text);
      return ['r'];
    },
    fail: async (problem) => {
      failed.push(problem);
    },
  };
};

const isSummaryRequest = (request: CompletionRequest): boolean => /running summary of a chat|Shorten this summary/.test(request.messages[0]?.content ?? '');

/** Answers questions by a script and summaries by another; records both. */
class TwoPartModel implements ChatModel {
  answers: CompletionRequest[] = [];
  summaries: CompletionRequest[] = [];
  constructor(
    private readonly summarise: (request: CompletionRequest, n: number) => Promise<Completion> | Completion,
    private readonly answer: (request: CompletionRequest) => string = (r) => `answer ${String(r.messages.length)}`,
  ) {}
  async complete(request: CompletionRequest, onText: (text: string) => void): Promise<Completion> {
    if (isSummaryRequest(request)) {
      this.summaries.push(request);
      return this.summarise(request, this.summaries.length);
    }
    this.answers.push(request);
    const text = this.answer(request);
    onText(text);
    return { text, finishReason: 'stop' };
  }
}

async function setup(model: ChatModel, options: { limit?: number; tokenBudget?: number } = {}) {
  const store = await openSessionStore('memory://', captureLogs().logger);
  const memory = new Memory(store, { limit: options.limit ?? 4, systemPrompt: 'sys', model: 'm', tokenBudget: options.tokenBudget ?? 10_000 }, testRules());
  const logs = captureLogs();
  const engine = new Engine(memory, model, logs.logger, { maxReplyTokens: 64, maxConcurrent: 4, preconditions: [accessPrecondition(OPEN_POLICY)] });
  await memory.setMemoryMode('c1', 'summary', undefined);
  return { engine, memory, logs };
}

let ids = 0;
const q = (content: string): Question => ({
  sessionKey: 'c1',
  asker: { userId: 'u1', channelId: 'c1', guildId: 'g1', roleIds: [] },
  authorName: 'Ada',
  content,
  sourceId: String((ids += 1)),
});

/** A summariser that keeps every line naming a fact ("is called"), so a fact survives fold after fold. */
const factKeeper = (request: CompletionRequest): Completion => {
  const body = request.messages[1]?.content ?? '';
  const facts = new Set(body.split('\n').flatMap((line) => [...line.matchAll(/[^.:]*is called \w+/g)].map((m) => m[0].trim())));
  return { text: facts.size === 0 ? 'Small talk only.' : [...facts].map((f) => `${f}.`).join(' '), finishReason: 'stop' };
};

describe('summary mode in the engine', () => {
  it('folds what leaves the buffer after the answer, and the next request carries the summary after the system prompt', async () => {
    const model = new TwoPartModel(() => ({ text: 'Ada asked q1 and q2.', finishReason: 'stop' }));
    const { engine, memory } = await setup(model);
    for (const text of ['q1', 'q2', 'q3']) expect(await engine.ask(q(text), sink())).toBe('answered');
    await engine.drain();
    const session = await memory.read('c1');
    expect(session.summary?.text).toBe('Ada asked q1 and q2.');
    expect(session.history.map((m) => m.content)).toEqual(['q2', 'answer 4', 'q3', 'answer 6']);
    // Summaries cost tokens as answers do: three answers and one summary are counted (by the bot: this model reports no usage).
    const usage = usageReport(session.usage, Date.now()).total.get('m');
    expect(usage).toMatchObject({ requests: 4, estimated: 4 });
    // Its request: the summary's prompt, then what it folds (the limit's overflow, oldest first).
    expect(model.summaries).toHaveLength(1);
    expect(model.summaries[0]?.messages[1]?.content).toContain('New lines:\nAda: q1\nAssistant: answer 2');
    expect(model.summaries[0]).toMatchObject({ model: 'm', maxTokens: 1024 });
    await engine.ask(q('q4'), sink());
    const next = model.answers.at(-1);
    expect(next?.messages.slice(0, 2).map((m) => [m.role, m.content])).toEqual([
      ['system', 'sys'],
      ['system', expect.stringContaining('Ada asked q1 and q2.') as string],
    ]);
  });

  it('a failed summary drops nothing and is tried again after the next answer', async () => {
    const model = new TwoPartModel((_request, n) => {
      if (n === 1) throw new ModelError('unavailable', { reason: 'server_error', status: 500 });
      return { text: 'Ada asked q1 to q3.', finishReason: 'stop' };
    });
    const { engine, memory, } = await setup(model);
    for (const text of ['q1', 'q2', 'q3']) await engine.ask(q(text), sink());
    await engine.drain();
    let session = await memory.read('c1');
    expect(model.summaries).toHaveLength(1);
    expect(session.summary).toBeUndefined();
    expect(session.history).toHaveLength(6);
    await engine.ask(q('q4'), sink());
    await engine.drain();
    session = await memory.read('c1');
    expect(model.summaries).toHaveLength(2);
    expect(session.summary?.text).toBe('Ada asked q1 to q3.');
    expect(session.history.map((m) => m.content)).toEqual(['q3', 'answer 6', 'q4', 'answer 8']);
  });

  it('a slow summary never delays an answer, and stopping cuts it off with nothing dropped', async () => {
    const model = new TwoPartModel(
      (request) =>
        new Promise((_resolve, reject) => request.signal?.addEventListener('abort', () => reject(new ModelError('aborted', {})), { once: true })),
    );
    const { engine, memory } = await setup(model);
    for (const text of ['q1', 'q2', 'q3', 'q4', 'q5']) {
      const shown = sink();
      expect(await engine.ask(q(text), shown)).toBe('answered');
      expect(shown.shown).toHaveLength(1);
    }
    // One summary at a time per session: the hanging one blocks the next, not the answers.
    expect(model.summaries).toHaveLength(1);
    expect(await engine.stop(50)).toBe(true);
    const session = await memory.read('c1');
    expect(session.history).toHaveLength(10);
    expect(session.summary).toBeUndefined();
  });

  it('a summary cut off at its bound is summarised again before it is kept; one still too long is not kept', async () => {
    const model = new TwoPartModel((request) =>
      /Shorten/.test(request.messages[0]?.content ?? '') ? { text: 'Short.', finishReason: 'stop' } : { text: 'Very long and cut', finishReason: 'length' },
    );
    const { engine, memory } = await setup(model);
    for (const text of ['q1', 'q2', 'q3']) await engine.ask(q(text), sink());
    await engine.drain();
    expect(model.summaries.map((r) => /Shorten/.test(r.messages[0]?.content ?? ''))).toEqual([false, true]);
    expect(model.summaries[1]?.messages[1]?.content).toBe('Very long and cut');
    expect((await memory.read('c1')).summary?.text).toBe('Short.');

    const stubborn = new TwoPartModel(() => ({ text: 'always cut', finishReason: 'length' }));
    const other = await setup(stubborn);
    for (const text of ['q1', 'q2', 'q3']) await other.engine.ask(q(text), sink());
    await other.engine.drain();
    const session = await other.memory.read('c1');
    expect(session.summary).toBeUndefined();
    expect(session.history).toHaveLength(6);
  });

  it('a reset while the summary is made voids it: the channel keeps no summary of what it forgot', async () => {
    let release: () => void = () => undefined;
    const model = new TwoPartModel(() => new Promise((resolve) => (release = () => resolve({ text: 'Forgotten things.', finishReason: 'stop' }))));
    const { engine, memory } = await setup(model);
    for (const text of ['q1', 'q2', 'q3']) await engine.ask(q(text), sink());
    await vi_waitFor(() => model.summaries.length === 1);
    await memory.reset('c1');
    release();
    await engine.drain();
    const session = await memory.read('c1');
    expect(session.summary).toBeUndefined();
    expect(session.history).toEqual([]);
  });

  it('200 rounds in summary mode: no request exceeds the budget, and a fact from round 1 reaches every one', async () => {
    const budget = 400;
    const model = new TwoPartModel(factKeeper, (r) => `noted ${String(r.messages.length)} lines about the weather and the trains today`);
    const { engine, memory } = await setup(model, { limit: 100, tokenBudget: budget });
    const filler = (i: number) => `round ${String(i)} question about the weather and the trains and nothing else at all`;
    expect(await engine.ask(q('Remember this: my cat is called Miso'), sink())).toBe('answered');
    for (let i = 2; i <= 200; i += 1) expect(await engine.ask(q(filler(i)), sink())).toBe('answered');
    await engine.drain();
    const cost = (request: CompletionRequest) => TOKENS_REPLY_PRIMING + request.messages.reduce((sum, m) => sum + wordTokens.count(m.content) + TOKENS_PER_MESSAGE, 0);
    expect(model.answers).toHaveLength(200);
    for (const request of model.answers) expect(cost(request)).toBeLessThanOrEqual(budget);
    for (const request of model.answers.slice(1)) expect(request.messages.some((m) => m.content.includes('Miso'))).toBe(true);
    // It held by folding, not by luck: many summaries, a short history, the fact in the summary.
    expect(model.summaries.length).toBeGreaterThan(20);
    for (const request of model.summaries) expect(cost(request)).toBeLessThanOrEqual(budget);
    const session = await memory.read('c1');
    expect(session.summary?.text).toContain('my cat is called Miso');
    expect(session.history.length).toBeLessThan(30);
    expect(model.answers.at(-1)?.messages.some((m) => m.content.includes('Remember this'))).toBe(false);
  });
});

async function vi_waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}
