import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ada, GENERAL, World } from '../e2e/harness.js';
import { seededRandom } from '../helpers/random.js';

const PIECES = ['0', '-1', '5', ' ', ',', '.', 'x', '\u200B', '\u202E', '<@200000000000000002>', '<#100000000000000011>', '<@&600000000000000001>', '@everyone', '```', '**', '\n', 'é', '😀', '<@!', '>', '-0.5', '999'];

function randomText(random: () => number, maxParts: number): string {
  let text = '';
  const n = Math.floor(random() * maxParts);
  for (let i = 0; i < n; i += 1) text += PIECES[Math.floor(random() * PIECES.length)] ?? '';
  return text;
}

describe('fuzz through the real bot', () => {
  let world: World;
  beforeEach(async () => {
    world = await World.create();
    await world.start();
    world.openai.setResponder((r) => `seen ${String(r.body.messages.at(-1)?.content).length}`);
  });
  afterEach(async () => {
    await world.close();
  });

  it('random /pin option strings and mention bodies: every one answered, no unexpected error, rejected ones change nothing', async () => {
    const random = seededRandom(7);
    await world.ask(GENERAL, 'seed question');
    for (let i = 0; i < 150; i += 1) {
      const value = randomText(random, 6) || ' ';
      const before = await world.app!.ctx.engine.memory.read(GENERAL);
      const interaction = await world.discord.command({ channelId: GENERAL, user: ada, name: 'pin', options: [{ name: 'indices', type: 3, value }] });
      const reply = await world.discord.waitFor(() => interaction.reply());
      if (reply.ephemeral) expect(await world.app!.ctx.engine.memory.read(GENERAL)).toEqual(before);
      else expect(reply.content).toMatch(/pinned/i);
    }
    for (let i = 0; i < 60; i += 1) {
      const replies = await world.ask(GENERAL, randomText(random, 12));
      expect(replies.length).toBeGreaterThanOrEqual(1);
    }
    const errors = world.logs.lines.filter((l) => Number(l.level) >= 50);
    expect(errors).toEqual([]);
  }, 60_000);
});
