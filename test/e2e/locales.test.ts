/**
 * Replies in the reader's language, through the real client: command replies and failures follow
 * the interaction's locale, mention replies the server's preferred locale (a DM: English).
 * Simplified Chinese for zh-CN; English for en-US and every other locale.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../fakes/fake-discord.js';
import { ada, DM, GENERAL, GUILD, RANDOM, World } from './harness.js';

const STRING = 3;
const INTEGER = 4;
/** A second server, whose owner set its language to Chinese. */
const CN_GUILD = '100000000000000201';
const CN_CHANNEL = '100000000000000210';

describe('replies in the reader’s language', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
    world.discord.addGuild({ id: CN_GUILD, name: '中文服务器', preferredLocale: 'zh-CN', channels: [{ id: CN_CHANNEL, name: '闲聊' }] });
    await world.start({ OPENAI_MAX_RETRIES: '1' });
    world.openai.setResponder((r) => `answer to ${String(r.body.messages.at(-1)?.content).replace('Ada: ', '')}`);
  });
  afterEach(async () => {
    await world.close();
  });

  async function run(
    name: string,
    locale: string,
    options: Array<{ name: string; type: number; value: string | number }> = [],
    channelId = GENERAL,
    user: FakeUser = ada,
  ) {
    const interaction = await world.discord.command({ channelId, user, name, options, locale });
    return world.discord.waitFor(() => interaction.reply());
  }

  async function three(channelId = GENERAL): Promise<void> {
    for (const q of ['q1', 'q2', 'q3']) await world.ask(channelId, q);
  }

  it('/rollback refused in zh-CN says why in Chinese, ephemerally; en-US and fr get the English', async () => {
    await three();
    const count = [{ name: 'count', type: INTEGER, value: 5 }];
    const chinese = await run('rollback', 'zh-CN', count);
    expect(chinese).toMatchObject({ ephemeral: true, content: '无法回滚 5 轮：记忆里只有 3 轮，所以轮数必须在 1 到 3 之间。没有做任何更改。' });
    for (const locale of ['en-US', 'fr']) {
      const english = await run('rollback', locale, count);
      expect(english).toMatchObject({
        ephemeral: true,
        content: 'Cannot roll back 5 rounds: memory holds 3 rounds, so the count must be from 1 to 3. Nothing was changed.',
      });
    }
    expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toHaveLength(6);
  });

  it('/history in zh-CN: Chinese labels around the same indices, names, pins and numbers', async () => {
    await three();
    await run('pin', 'zh-CN', [{ name: 'indices', type: STRING, value: '-1' }]);
    const reply = await run('history', 'zh-CN');
    expect(reply.ephemeral).toBe(true);
    const lines = reply.content.split('\n');
    expect(lines[0]).toMatch(/^\*\*本频道的记忆\*\*：6 条消息（1 条已固定），上限 100 条 · 提示共 \d+ \/ 7168 个 token（其中系统提示 \d+ 个）$/);
    expect(lines[1]).toMatch(/^`0` \*\*Ada\*\* · \d+ 个 token · q1$/);
    expect(lines[6]).toMatch(/^`5` 📌 \*\*助手\*\* · \d+ 个 token · answer to q3$/);
    expect(lines[7]).toBe('/pin 使用的序号：0 是最早的，-1 是最新的。');
    expect((await run('history', 'zh-CN', [{ name: 'page', type: INTEGER, value: 3 }])).content).toBe('共有 1 页，第 3 页不存在。');
    expect((await run('history', 'zh-CN', [], RANDOM)).content.split('\n')[1]).toBe('记忆里还没有内容：提及我即可开始对话。');
    // The same page for an English reader.
    expect((await run('history', 'en-US')).content.split('\n')[0]).toMatch(/^\*\*Memory of this channel\*\*: 6 messages \(1 pinned\), limit 100 · /);
  });

  it('command results and failures follow each interaction’s locale', async () => {
    await three();
    expect((await run('pin', 'zh-CN', [{ name: 'indices', type: STRING, value: '0 1' }])).content).toBe('📌 已固定 `0`、`1`。');
    expect((await run('pin', 'en-US', [{ name: 'indices', type: STRING, value: '0' }])).content).toBe('`0` was already pinned.');
    expect((await run('pin', 'zh-CN', [{ name: 'indices', type: STRING, value: '0 x' }])).content).toMatch(/^“x”不是整数：序号形如/);
    expect((await run('limit', 'zh-CN')).content).toBe('本频道最多保留 100 条消息；目前有 6 条（2 条已固定）。');
    expect((await run('frob', 'zh-CN')).content).toBe('我不认识命令 /frob，它可能来自旧版本的机器人。');
    expect((await run('frob', 'zh-TW')).content).toBe("I don't know the command /frob; it may be from an older version of the bot.");
    expect((await run('reset', 'zh-CN')).content).toBe('🧹 本频道的记忆已清空：忘记了 6 条消息。设置保持不变。');
  });

  it('a mention that fails in a server set to zh-CN is answered in Chinese; an en-US server and a DM get English', async () => {
    await world.ask(CN_CHANNEL, 'one');
    world.openai.failNext({ status: 500 }, 2); // the first try and the one retry
    const [chinese] = await world.ask(CN_CHANNEL, 'two');
    expect(chinese?.content).toMatch(/^⚠️ 模型服务器出错了（HTTP 500）。尝试 2 次后放弃了。你的消息没有加入记忆。$/);
    expect((await world.app?.ctx.engine.memory.read(CN_CHANNEL))?.history.map((m) => m.content)).toEqual(['one', 'answer to one']);

    world.openai.failNext({ status: 500 }, 2);
    const [english] = await world.ask(GENERAL, 'two');
    expect(english?.content).toBe('⚠️ The model server had an error (HTTP 500). Gave up after 2 tries. Your message was not added to memory.');

    world.openai.failNext({ status: 500 }, 2);
    const [direct] = await world.ask(DM, 'two');
    expect(direct?.content).toMatch(/^⚠️ The model server had an error \(HTTP 500\)\./);
  });

  it('a mention follows the server’s language when its owner changes it', async () => {
    world.openai.failNext({ status: 500 }, 2);
    expect((await world.ask(GENERAL, 'before'))[0]?.content).toMatch(/^⚠️ The model server had an error/);
    await world.discord.setGuildLocale(GUILD, 'zh-CN');
    world.openai.failNext({ status: 500 }, 2);
    expect((await world.ask(GENERAL, 'after'))[0]?.content).toMatch(/^⚠️ 模型服务器出错了/);
  });

  it('in a zh-CN server, a cut-off answer is marked in Chinese and attachment notes are in Chinese', async () => {
    world.openai.setChunkDelay(20);
    world.openai.setResponder(() => 'This answer will be cut off somewhere in the middle of it.');
    world.openai.failNext({ breakStreamAfterChunks: 4 });
    const messages = await world.ask(CN_CHANNEL, 'tell me');
    expect(messages.at(-1)?.content).toBe('⚠️ 模型的回答中途停止了。你的消息没有加入记忆。');
    const partial = messages.at(0);
    await world.discord.waitFor(() => partial?.content.endsWith('\n-# ⚠️ 已中断') === true);

    world.openai.setChunkDelay(0);
    world.openai.setResponder(() => 'I read it.');
    const before = world.botMessages(CN_CHANNEL).length;
    await world.discord.userMessage({
      channelId: CN_CHANNEL,
      author: ada,
      content: 'what is this?',
      mentionBot: true,
      attachments: [{ filename: 'report.pdf', content: Buffer.from('%PDF-1.4 binary') }],
    });
    await world.discord.waitFor(() => world.botMessages(CN_CHANNEL).length > before);
    await world.settled();
    expect(world.botMessages(CN_CHANNEL).at(-1)?.content).toBe('I read it.\n-# 📎 已忽略 report.pdf：我只读取文本文件');
  });
});
