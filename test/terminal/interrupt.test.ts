/**
 * Ctrl-C in the terminal chat, through TerminalChat (interactive input is a terminal, so the
 * readline wiring in main.ts is checked by hand; a SIGINT to a piped run is in chat.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSessionStore } from '../../src/adapters/store/open-session-store.js';
import type { ChatModel, CompletionRequest } from '../../src/engine/chat-model.js';
import { Engine } from '../../src/engine/engine.js';
import { Memory } from '../../src/engine/memory.js';
import { en } from '../../src/presenters/en.js';
import { TerminalChat } from '../../src/terminal/chat.js';
import { testRules } from '../helpers/domain.js';
import { captureLogs } from '../helpers/logs.js';
import { tempDir } from '../helpers/temp.js';

/**
 * A model at our own interface. A question containing "long" streams its first words, says so
 * (`streaming`), then waits until the request is aborted, as the OpenAI adapter does; any other
 * is answered at once.
 */
class HoldingModel implements ChatModel {
  readonly requests: CompletionRequest[] = [];
  private onStreaming: (() => void) | undefined;

  /** Resolves when a "long" answer has shown its first words and is waiting. */
  streaming(): Promise<void> {
    return new Promise((resolve) => (this.onStreaming = resolve));
  }

  complete(request: CompletionRequest, onText: (textSoFar: string) => void): Promise<{ text: string; finishReason: string }> {
    this.requests.push(request);
    const question = JSON.stringify(request.messages.at(-1)?.content);
    if (!question.includes('long')) return Promise.resolve({ text: `answer ${String(this.requests.length)}`, finishReason: 'stop' });
    onText('Once upon');
    return new Promise((_, reject) => {
      const signal = request.signal;
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      this.onStreaming?.();
    });
  }
}

class Written {
  text = '';
  write(text: string): void {
    this.text += text;
  }
}

describe('TerminalChat and Ctrl-C', () => {
  let model: HoldingModel;
  let memory: Memory;
  let chat: TerminalChat;
  let out: Written;
  let err: Written;
  let dir: ReturnType<typeof tempDir>;

  beforeEach(async () => {
    model = new HoldingModel();
    memory = new Memory(await openSessionStore('memory://', captureLogs().logger), { limit: 100, systemPrompt: 'sys', model: 'm', tokenBudget: 10_000 }, testRules());
    const engine = new Engine(memory, model, captureLogs().logger, { maxReplyTokens: 64, maxConcurrent: 2 });
    out = new Written();
    err = new Written();
    chat = new TerminalChat({ engine, session: 'desk', authorName: 'Ada', out, err });
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('cuts off the answer being written: nothing of it or its question is stored, it says so, and the next question works', async () => {
    expect(await chat.handle('first question')).toBe('ok');
    const streaming = model.streaming();
    const asked = chat.handle('tell me a long story');
    await streaming;
    expect(chat.interrupt('')).toBe('cancelled');
    // Stopping is what the person asked for: not a failure of the run.
    expect(await asked).toBe('ok');
    expect(out.text).toBe('answer 1\nOnce upon\n');
    expect(err.text).toBe(`[${en.interrupted}]\nYou stopped this answer while it was being written. Your message was not added to memory.\n`);
    expect((await memory.read('desk')).history.map((m) => m.content)).toEqual(['first question', 'answer 1']);

    expect(await chat.handle('and now?')).toBe('ok');
    expect(model.requests.at(-1)?.messages.map((m) => m.content)).toEqual(['sys', 'Ada: first question', 'answer 1', 'Ada: and now?']);
    expect((await memory.read('desk')).history).toHaveLength(4);
    // The answer is over: the next Ctrl-C is at an empty prompt.
    expect(chat.interrupt('')).toBe('warned');
  });

  it('an answer already complete and being stored is too late to stop: it is kept', async () => {
    const storeAnswered = memory.storeAnswered.bind(memory);
    let stored: (() => void) | undefined;
    const storing = new Promise<void>((resolve) => (stored = resolve));
    let release: (() => void) | undefined;
    memory.storeAnswered = async (key, round) => {
      stored?.();
      await new Promise<void>((resolve) => (release = resolve));
      return storeAnswered(key, round);
    };
    const asked = chat.handle('short one');
    await storing;
    expect(chat.interrupt('')).toBe('too_late');
    release?.();
    expect(await asked).toBe('ok');
    expect((await memory.read('desk')).history.map((m) => m.content)).toEqual(['short one', 'answer 1']);
    expect(err.text).toBe('');
  });

  it('with no answer under way it behaves like a shell: a typed line is dropped, an empty one warns, the second in a row leaves', async () => {
    expect(chat.interrupt('half a que')).toBe('cleared');
    expect(chat.interrupt('')).toBe('warned');
    expect(out.text).toBe(`\n\n${en.interruptHint}\n`);
    // Anything in between starts the count again: a typed line, a line run.
    expect(chat.interrupt('typed')).toBe('cleared');
    expect(chat.interrupt('')).toBe('warned');
    expect(await chat.handle('/history')).toBe('ok');
    expect(chat.interrupt('  ')).toBe('warned');
    expect(chat.interrupt('')).toBe('quit');
    expect(model.requests).toHaveLength(0);
  });

  it('answers an /import waiting for its yes or no with no: nothing is changed', async () => {
    await chat.handle('keep me');
    const file = join(dir.path, 'other.json');
    writeFileSync(file, JSON.stringify([{ role: 'user', content: 'imported' }]));
    await chat.handle(`/import ${file}`);
    expect(chat.asking).toBe(true);
    expect(chat.interrupt('y')).toBe('cleared');
    expect(chat.asking).toBe(false);
    expect(out.text).toContain(`\n${en.importCancelled}\n`);
    expect(await chat.handle('y')).toBe('ok');
    expect((await memory.read('desk')).history.map((m) => m.content)).toEqual(['keep me', 'answer 1', 'y', 'answer 2']);
  });
});
