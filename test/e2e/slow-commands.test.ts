import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecentIds } from '../../src/events/interaction-create.js';
import { ada, GENERAL, World } from './harness.js';

const INTEGER = 4;
const DEFERRED_CHANNEL_MESSAGE = 5;
const EPHEMERAL = 64;

/**
 * Commands that are slow to finish (a stalled event loop, a slow store) are acknowledged with a
 * "thinking" state before Discord's 3 s deadline, and their result edits it. Here every command
 * counts as slow (commandDeferMs 0).
 */
describe('slow slash commands', () => {
  let world: World;

  beforeEach(async () => {
    world = await World.create();
    await world.start({}, { commandDeferMs: 0 });
    world.openai.setResponder(() => 'ok');
    await world.ask(GENERAL, 'one');
    await world.ask(GENERAL, 'two');
    // Memory answers commands late, as under load: the commands outlast commandDeferMs.
    const memory = world.app!.ctx.engine.memory;
    const [read, rollback] = [memory.read.bind(memory), memory.rollback.bind(memory)];
    const late = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));
    memory.read = async (key) => late().then(() => read(key));
    memory.rollback = async (key, count) => late().then(() => rollback(key, count));
  });
  afterEach(async () => {
    await world.close();
  });

  async function run(name: string, options: Array<{ name: string; type: number; value: number }> = []) {
    const interaction = await world.discord.command({ channelId: GENERAL, user: ada, name, options });
    await world.discord.waitFor(() => interaction.reply());
    await world.settled();
    return interaction;
  }

  it('a memory change is acknowledged first, then reported once in the public reply', async () => {
    const interaction = await run('rollback');
    expect(interaction.callbacks.map((c) => c.type)).toEqual([DEFERRED_CHANNEL_MESSAGE]);
    expect(interaction.callbacks[0]?.data?.['flags'] ?? 0).toBe(0);
    expect(interaction.edits).toHaveLength(1);
    expect(interaction.followUps).toHaveLength(0);
    const reply = interaction.reply();
    expect(reply?.ephemeral).toBe(false);
    expect(reply?.content).toMatch(/^↩️ Rolled back 1 round \(2 messages\)/);
    expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toHaveLength(2);
  });

  it('a view that only its asker sees is deferred privately and edited in', async () => {
    const interaction = await run('history');
    expect(interaction.callbacks[0]).toMatchObject({ type: DEFERRED_CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
    expect(interaction.reply()).toMatchObject({ ephemeral: true, content: expect.stringMatching(/^\*\*Memory of this channel\*\*: 4 messages/) as unknown });
  });

  it('a refusal after the "thinking" state takes its place, once, and changes nothing', async () => {
    const interaction = await run('rollback', [{ name: 'count', type: INTEGER, value: 5 }]);
    expect(interaction.callbacks.map((c) => c.type)).toEqual([DEFERRED_CHANNEL_MESSAGE]);
    expect(interaction.edits).toHaveLength(1);
    expect(interaction.followUps).toHaveLength(0);
    expect(interaction.reply()?.content).toMatch(/^Cannot roll back 5 rounds: memory holds 2 rounds/);
    expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history).toHaveLength(4);
  });
});

describe('RecentIds (one interaction, one run)', () => {
  it('tells a repeat from a new id, and forgets the oldest past its size', () => {
    const ids = new RecentIds(2);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('a')).toBe(false);
    expect(ids.add('b')).toBe(true);
    expect(ids.add('c')).toBe(true);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('c')).toBe(false);
  });
});
