import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportSchema } from '../../src/domain/portable.js';
import type { FakeInteractionReply, FakeUser } from '../fakes/fake-discord.js';
import { ada, GENERAL, World } from './harness.js';

const STRING = 3;
const INTEGER = 4;

type Option = { name: string; type: number; value: string | number };

describe('portable memory end to end: /export', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
    await world.start();
    world.openai.setResponder((r) => `answer to ${String(r.body.messages.at(-1)?.content).replace('Ada: ', '')}`);
  });
  afterEach(async () => {
    await world.close();
  });

  async function run(name: string, options: Option[] = [], user: FakeUser = ada, channelId = GENERAL, locale?: string): Promise<FakeInteractionReply> {
    const interaction = await world.discord.command({ channelId, user, name, options, ...(locale === undefined ? {} : { locale }) });
    return world.discord.waitFor(() => interaction.reply());
  }

  async function download(reply: FakeInteractionReply): Promise<string> {
    const file = reply.attachments[0];
    if (file === undefined) throw new Error('the reply has no file');
    const response = await fetch(file.url);
    expect(response.ok).toBe(true);
    return response.text();
  }

  it('sends the history with pins, speakers, roles and times, and the settings, as a JSON file only the asker sees', async () => {
    const before = Date.now();
    await world.ask(GENERAL, 'q1');
    await world.ask(GENERAL, 'q2');
    await run('pin', [{ name: 'indices', type: STRING, value: '0' }]);
    await run('limit', [{ name: 'messages', type: INTEGER, value: 50 }]);

    const reply = await run('export');
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/4 messages \(1 pinned\) and its settings/);
    expect(reply.attachments).toHaveLength(1);
    expect(reply.attachments[0]?.filename).toMatch(new RegExp(`^contextcord-${GENERAL}-\\d{4}-\\d\\d-\\d\\d\\.json$`));

    const file = exportSchema.parse(JSON.parse(await download(reply)));
    expect(file.format).toBe('contextcord-session');
    expect(file.version).toBe(1);
    expect(file.settings).toEqual({ limit: 50 });
    expect(file.messages.map((m) => [m.role, m.content, m.pinned, m.authorName, m.authorId])).toEqual([
      ['user', 'q1', true, 'Ada', ada.id],
      ['assistant', 'answer to q1', false, undefined, undefined],
      ['user', 'q2', false, 'Ada', ada.id],
      ['assistant', 'answer to q2', false, undefined, undefined],
    ]);
    for (const m of file.messages) expect(Date.parse(m.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    // The upload went to the interaction callback as multipart, with the file described in payload_json.
    const callback = world.discord.requests.find((r) => r.path.includes('/callback') && r.files.length > 0);
    expect(callback?.files[0]?.contentType).toBeDefined();
  });

  it('exports an empty memory as a file with no messages; in zh-CN the words are Chinese', async () => {
    const reply = await run('export', [], ada, GENERAL, 'zh-CN');
    expect(reply.content).toMatch(/0 条消息/);
    const file = exportSchema.parse(JSON.parse(await download(reply)));
    expect(file.messages).toEqual([]);
    expect(file.settings).toEqual({});
  });
});
