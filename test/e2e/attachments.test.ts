import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeAttachmentInput } from '../fakes/fake-discord.js';
import { FakeOpenAI } from '../fakes/fake-openai.js';
import { ada, GENERAL, OPENAI_KEY, World } from './harness.js';

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describe('attachments and key pool end to end', () => {
  let world: World;
  beforeEach(async () => {
    world = await World.create();
  });
  afterEach(async () => {
    await world.close();
  });

  async function askWith(content: string, attachments: FakeAttachmentInput[]) {
    const before = world.botMessages(GENERAL).length;
    await world.discord.userMessage({ channelId: GENERAL, author: ada, content, mentionBot: true, attachments });
    await world.discord.waitFor(() => world.botMessages(GENERAL).length > before);
    await world.settled();
    return world.botMessages(GENERAL).slice(before);
  }

  it('a text file is read into the question and kept in memory; a PDF is named as ignored under the answer', async () => {
    await world.start();
    world.openai.setResponder(() => 'I read it.');
    const [reply] = await askWith('what does this say?', [
      { filename: 'notes.md', content: '# Plan\n\nShip on Friday.' },
      { filename: 'report.pdf', content: Buffer.from('%PDF-1.4 binary') },
    ]);
    const sent = world.sentToModel().at(-1) ?? '';
    expect(sent).toContain('what does this say?');
    expect(sent).toContain('[attachment notes.md]');
    expect(sent).toContain('Ship on Friday.');
    expect(sent).not.toContain('PDF-1.4');
    expect(reply?.content).toMatch(/^I read it\.\n-# 📎 report\.pdf was ignored/);
    const stored = (await world.app?.ctx.engine.memory.read(GENERAL))?.history;
    expect(stored?.[0]?.content).toContain('Ship on Friday.');
    expect(stored?.[1]?.content).toBe('I read it.'); // the note is not memory
  });

  it('only a file, no text: the file is the question', async () => {
    await world.start();
    world.openai.setResponder(() => 'ok');
    await askWith('', [{ filename: 'q.txt', content: 'Why is the sky blue?' }]);
    expect(world.sentToModel().at(-1)).toMatch(/Ada: \[attachment q\.txt\][\s\S]*Why is the sky blue\?/);
  });

  it('a file over MAX_ATTACHMENT_BYTES is not read, and the asker is told', async () => {
    await world.start({ MAX_ATTACHMENT_BYTES: '100' });
    world.openai.setResponder(() => 'ok');
    const [reply] = await askWith('summarise', [{ filename: 'big.log', content: 'x'.repeat(500) }]);
    expect(reply?.content).toMatch(/big\.log was not read: it is 500 bytes, and the most I read is 100 bytes/);
    expect(world.sentToModel().at(-1)).toBe('user: Ada: summarise');
  });

  it('with VISION=true an image goes to the model as an image part; without, it is named as ignored', async () => {
    await world.start({ VISION: 'true' });
    world.openai.setResponder(() => 'a tiny picture');
    await askWith('what is this?', [{ filename: 'dot.png', content: PNG }]);
    const content = world.openai.requests.at(-1)?.body.messages.at(-1)?.content as Array<{ type: string; image_url?: { url: string } }>;
    expect(content.map((p) => p.type)).toEqual(['text', 'image_url']);
    expect(content[1]?.image_url?.url).toMatch(/\/attachments\/.*dot\.png/);
    // Memory keeps text only: a marker, not the (expiring) URL.
    expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history[0]?.content).toContain('[image: dot.png]');
    await world.stopBot();
    await world.start({ VISION: 'false' });
    const [reply] = await askWith('and this?', [{ filename: 'dot.png', content: PNG }]);
    expect(reply?.content).toMatch(/dot\.png was ignored/);
  });

  it('OPENAI_API_KEY with several keys: round-robin, and a revoked key is dropped while the question is still answered', async () => {
    await world.openai.close();
    const keys = ['sk-pool-key-aaaa-1111', 'sk-pool-key-bbbb-2222', OPENAI_KEY];
    (world as { openai: FakeOpenAI }).openai = await FakeOpenAI.start({ apiKeys: keys });
    await world.start({ OPENAI_API_KEY: keys.join(','), OPENAI_BASE_URL: world.openai.baseURL });
    world.openai.setResponder(() => 'ok');
    await world.ask(GENERAL, 'one');
    await world.ask(GENERAL, 'two');
    world.openai.revokeKey('sk-pool-key-aaaa-1111');
    await world.ask(GENERAL, 'three');
    await world.ask(GENERAL, 'four');
    // one → A, two → B, three → C, four → A (401: dropped) then B at once.
    expect(world.openai.requests.map((r) => r.apiKey)).toEqual([keys[0], keys[1], keys[2], keys[0], keys[1]]);
    expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toHaveLength(8);
    const text = world.logs.text();
    expect(text).toMatch(/1111/);
    expect(text).not.toContain('sk-pool-key-aaaa');
  });
});
