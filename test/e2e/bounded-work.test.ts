import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeMessage, RecordedRequest } from '../fakes/fake-discord.js';
import { ada, bob, GENERAL, RANDOM, World } from './harness.js';

/**
 * Issue 12's attack: ten 20 kB text files, each one run of a single character with no space.
 * Every file, and every try, gets a character not used before: the tokenizer caches the words
 * it has split, so a run it has seen already costs nothing the second time.
 */
const LETTERS = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
const EMOJI = Array.from({ length: 80 }, (_, i) => String.fromCodePoint(0x1f600 + i));
const ATTACKS = [
  ['letters', LETTERS],
  ['emoji', EMOJI],
] as const;

function attackFiles(characters: string[]): Array<{ filename: string; content: string }> {
  return Array.from({ length: 10 }, (_, i) => {
    const character = characters.shift();
    if (character === undefined) throw new Error('no unused character left for the attack');
    return { filename: `run-${String(i)}.txt`, content: character.repeat(20_000 / Buffer.byteLength(character)) };
  });
}

/** Mentions in the other channel are due every this many ms, whether or not the last was answered. */
const INTERVAL_MS = 15;
const MENTIONS = 24;
const P99_LIMIT_MS = 100;

describe('one message cannot stall the other channels', () => {
  let world: World;
  beforeEach(async () => {
    world = await World.create();
    await world.start();
    world.openai.setResponder(() => 'ok');
    // JIT, the store and the first connections are warm before anything is timed.
    await world.ask(RANDOM, 'warm up', bob);
    await world.ask(GENERAL, 'warm up');
  });
  afterEach(async () => {
    await world.close();
  });

  /** When the bot's reply to `message` reached the fake Discord. */
  function replyAt(message: FakeMessage): number | undefined {
    const reply = world.discord.requests.find(
      (r: RecordedRequest) =>
        r.method === 'POST' &&
        r.path === `/channels/${message.channel_id}/messages` &&
        (r.body as { message_reference?: { message_id?: string } } | undefined)?.message_reference?.message_id === message.id,
    );
    return reply?.at;
  }

  // Retried because the bound is on wall-clock time and other processes share this machine: noise
  // only ever adds latency, while a stall from the attack is there on every try.
  it.for(ATTACKS)('ten 20 kB attachments of %s: refused as over budget, while another channel answers within 100 ms p99', { retry: 2, timeout: 60_000 }, async ([shape, characters]) => {
    const attachments = attackFiles(characters);
    expect(attachments.every((a) => Buffer.byteLength(a.content) === 20_000)).toBe(true);
    const storedBefore = (await world.app!.ctx.engine.memory.read(GENERAL)).history.length;
    // The other channel is asked on a fixed schedule, and each answer is timed from when its
    // question was due: a stalled event loop delays the questions too, and that counts.
    const due: number[] = [];
    const sent: Array<Promise<FakeMessage>> = [];
    let attack: FakeMessage | undefined;
    let attackSentAt = Number.NaN;
    const start = performance.now();
    // Until MENTIONS were due and one was due after the attack was answered, so the attack's
    // whole time in the bot falls inside the schedule.
    for (let i = 0; ; i += 1) {
      const dueAt = start + i * INTERVAL_MS;
      const attackAnsweredAt = attack === undefined ? undefined : replyAt(attack);
      if (i >= MENTIONS && attackAnsweredAt !== undefined && dueAt > attackAnsweredAt) break;
      if (dueAt - start > 30_000) throw new Error('the attack was not answered within 30 s');
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - performance.now())));
      due.push(dueAt);
      sent.push(world.discord.userMessage({ channelId: RANDOM, author: bob, content: `question ${String(i)}`, mentionBot: true }));
      if (i === 2) {
        attackSentAt = performance.now();
        attack = await world.discord.userMessage({ channelId: GENERAL, author: ada, content: 'summarise these', mentionBot: true, attachments });
      }
    }
    const questions = await Promise.all(sent);
    await world.discord.waitFor(() => questions.every((q) => replyAt(q) !== undefined), 30_000);
    await world.settled();

    // The attacker is told, and nothing of it is kept.
    const attackMessage = attack;
    const [refusal] = world.botMessages(GENERAL).filter((m) => (m.message_reference as { message_id?: string } | undefined)?.message_id === attackMessage?.id);
    expect(refusal?.content).toMatch(/budget[\s\S]*Nothing was added to memory/);
    expect((await world.app!.ctx.engine.memory.read(GENERAL)).history).toHaveLength(storedBefore);
    const attackAnsweredAt = attackMessage === undefined ? Number.NaN : (replyAt(attackMessage) ?? Number.NaN);

    const latencies = questions.map((q, i) => (replyAt(q) ?? Number.NaN) - (due[i] ?? Number.NaN)).sort((a, b) => a - b);
    const p99 = latencies[Math.ceil(0.99 * latencies.length) - 1] ?? Number.NaN;
    console.log(
      `bounded work (${shape}): attack answered ${(attackAnsweredAt - attackSentAt).toFixed(0)} ms after it was sent; ` +
        `other channel, ${String(latencies.length)} mentions: p50 ${(latencies[Math.floor(latencies.length / 2)] ?? 0).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
    );
    expect(latencies.every((l) => Number.isFinite(l))).toBe(true);
    expect(p99).toBeLessThan(P99_LIMIT_MS);
    for (const q of questions) {
      expect(world.botMessages(RANDOM).find((m) => (m.message_reference as { message_id?: string } | undefined)?.message_id === q.id)?.content).toBe('ok');
    }
  });
});
