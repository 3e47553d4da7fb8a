import { describe, expect, it } from 'vitest';
import { openSessionStore } from '../../src/adapters/store/keyv-session-store.js';
import { type ChatModel, type CompletionRequest, ModelError } from '../../src/services/chat-model.js';
import { ChatService, type Question, type ReplySink } from '../../src/services/chat-service.js';
import { SessionService } from '../../src/services/session-service.js';
import { testRules } from '../helpers/domain.js';
import { captureLogs } from '../helpers/logs.js';

class RecordingSink implements ReplySink {
  events: string[] = [];
  constructor(private readonly deliver: boolean = true) {}
  async start(): Promise<void> {
    this.events.push('start');
  }
  progress(text: string): void {
    this.events.push(`progress:${text}`);
  }
  async finish(text: string): Promise<readonly string[]> {
    if (!this.deliver) throw new Error('Unknown Message');
    this.events.push(`finish:${text}`);
    return ['reply-1'];
  }
  async fail(message: string, partial: string): Promise<void> {
    this.events.push(`fail:${message}|${partial}`);
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

async function setup(model: ChatModel, overrides: { tokenBudget?: number } = {}) {
  const store = await openSessionStore('memory://', captureLogs().logger);
  const sessions = new SessionService(
    store,
    { limit: 100, systemPrompt: 'sys', model: 'm', tokenBudget: overrides.tokenBudget ?? 10_000 },
    testRules(),
  );
  return { sessions, chat: new ChatService(sessions, model, captureLogs().logger, { maxReplyTokens: 256, maxConcurrent: 4 }) };
}

const q = (content: string, id = '1', sessionKey = 'c1'): Question => ({
  sessionKey,
  authorId: 'u1',
  authorName: 'Ada',
  content,
  discordMessageId: id,
});

describe('ChatService', () => {
  it('answers with the session context and commits the round with its Discord ids', async () => {
    const model = new ScriptedModel((r) => `echo ${r.messages.length}`);
    const { chat, sessions } = await setup(model);
    const sink = new RecordingSink();
    expect(await chat.answer(q('hi'), sink)).toBe('answered');
    expect(await chat.answer(q('again', '2'), new RecordingSink())).toBe('answered');
    expect(model.requests[1]?.messages.map((m) => m.content)).toEqual(['sys', 'Ada: hi', 'echo 2', 'Ada: again']);
    expect(model.requests[1]?.maxTokens).toBe(256);
    const session = await sessions.read('c1');
    expect(session.history.map((m) => m.discordMessageIds)).toEqual([['1'], ['reply-1'], ['2'], ['reply-1']]);
    expect(sink.events[0]).toBe('start');
    expect(sink.events.at(-1)).toBe('finish:echo 2');
  });

  it('a failed completion tells the user and leaves the session unchanged', async () => {
    const model = new ScriptedModel(() => {
      throw new ModelError('unavailable', 'The model server had an error.');
    });
    const { chat, sessions } = await setup(model);
    const sink = new RecordingSink();
    expect(await chat.answer(q('hi'), sink)).toBe('failed');
    expect(sink.events).toContain('fail:The model server had an error. Your message was not added to memory.|');
    expect((await sessions.read('c1')).history).toEqual([]);
  });

  it('a rejected question (too long for the budget) changes nothing and never reaches the model', async () => {
    const model = new ScriptedModel(() => 'x');
    const { chat, sessions } = await setup(model, { tokenBudget: 10 });
    const sink = new RecordingSink();
    expect(await chat.answer(q('many words '.repeat(20)), sink)).toBe('rejected');
    expect(model.requests).toHaveLength(0);
    expect(sink.events).toEqual(['start', expect.stringMatching(/^fail:.*budget/)]);
    expect((await sessions.read('c1')).history).toEqual([]);
  });

  it('an empty mention gets a clear answer', async () => {
    const { chat } = await setup(new ScriptedModel(() => 'x'));
    const sink = new RecordingSink();
    expect(await chat.answer(q('   '), sink)).toBe('rejected');
    expect(sink.events[0]).toMatch(/empty/);
  });

  it('an answer that cannot be delivered is not committed', async () => {
    const { chat, sessions } = await setup(new ScriptedModel(() => 'hello'));
    expect(await chat.answer(q('hi'), new RecordingSink(false))).toBe('undelivered');
    expect((await sessions.read('c1')).history).toEqual([]);
  });

  it('a store failure while committing is logged and the asker is told nothing was kept', async () => {
    const model = new ScriptedModel(() => 'hello');
    const { chat, sessions } = await setup(model);
    sessions.commitRound = () => Promise.reject(new Error('disk full'));
    const sink = new RecordingSink();
    expect(await chat.answer(q('hi'), sink)).toBe('failed');
    expect(sink.events.at(-1)).toBe('fail:Something went wrong on my side. Your message was not added to memory.|');
    // The channel's queue keeps working.
    expect(await chat.answer(q('again', '2'), new RecordingSink())).toBe('failed');
  });

  it('answers one channel in arrival order, each seeing the round before; channels run concurrently', async () => {
    const gates = new Map<string, () => void>();
    const model = new ScriptedModel(async (r) => {
      const last = String(r.messages.at(-1)?.content);
      if (last.includes('slow')) await new Promise<void>((resolve) => gates.set('slow', resolve));
      return `re ${last} after ${r.messages.length - 2}`;
    });
    const { chat, sessions } = await setup(model);
    const first = chat.answer(q('slow', '1', 'A'), new RecordingSink());
    const second = chat.answer(q('second', '2', 'A'), new RecordingSink());
    // Channel B is answered while A's first question is still waiting on the model.
    expect(await chat.answer(q('other', '3', 'B'), new RecordingSink())).toBe('answered');
    expect(model.requests.map((r) => r.messages.at(-1)?.content)).toEqual(['Ada: slow', 'Ada: other']);
    gates.get('slow')?.();
    await Promise.all([first, second]);
    const a = await sessions.read('A');
    expect(a.history.map((m) => m.content)).toEqual(['slow', 're Ada: slow after 0', 'second', 're Ada: second after 2']);
  });
});
