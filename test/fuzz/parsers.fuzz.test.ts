import { describe, expect, it } from 'vitest';
import { openSessionStore } from '../../src/adapters/store/open-session-store.js';
import { splitMessage } from '../../src/adapters/discord/split-message.js';
import { isUserError, parseIndices, type Session } from '../../src/domain/index.js';
import { Memory } from '../../src/engine/memory.js';
import { testRules } from '../helpers/domain.js';
import { captureLogs } from '../helpers/logs.js';
import { seededRandom } from '../helpers/random.js';

const PIECES = ['0', '1', '2', '-1', '-2', '9', '99', '-0', '+3', ' ', '  ', ',', ',,', '.', '-', '+', 'e', 'x', '1e3', '0x1', '\u200B', '\u202E', '٣', '１', '😀', '\n', '\t', '-0.5', 'NaN', 'Infinity', '99999999', '\\', '"', '<@123>', '@everyone'];

function randomText(random: () => number, maxParts = 8): string {
  const n = Math.floor(random() * maxParts);
  let text = '';
  for (let i = 0; i < n; i += 1) text += PIECES[Math.floor(random() * PIECES.length)] ?? '';
  return text;
}

async function serviceWithHistory() {
  const store = await openSessionStore('memory://', captureLogs().logger);
  const sessions = new Memory(store, { limit: 50, systemPrompt: 's', model: 'm', tokenBudget: 10_000 }, testRules());
  for (let i = 0; i < 3; i += 1) {
    await sessions.commitRound('k', [sessions.message({ role: 'user', content: `q${i}` }), sessions.message({ role: 'assistant', content: `a${i}` })]);
  }
  return sessions;
}

/** Runs `action`; only UserErrors may come out, and a rejected action must leave the session as it was. */
async function expectSafe(sessions: Memory, action: () => Promise<unknown>): Promise<'ok' | 'rejected'> {
  const before: Session = await sessions.read('k');
  try {
    await action();
    return 'ok';
  } catch (error) {
    if (!isUserError(error)) throw error;
    expect(await sessions.read('k')).toEqual(before);
    return 'rejected';
  }
}

describe('fuzz: command options and message bodies', () => {
  it('3 000 random index strings: parsed or refused with a UserError; refusals change nothing', async () => {
    const random = seededRandom(1);
    const sessions = await serviceWithHistory();
    const counts = { ok: 0, rejected: 0 };
    for (let i = 0; i < 3000; i += 1) {
      const text = randomText(random);
      const verb = random() < 0.5 ? 'pin' : 'unpin';
      counts[await expectSafe(sessions, async () => sessions[verb]('k', parseIndices(text)))] += 1;
    }
    expect(counts.ok).toBeGreaterThan(100);
    expect(counts.rejected).toBeGreaterThan(100);
    expect((await sessions.read('k')).history).toHaveLength(6);
  });

  it('2 000 random numbers for /rollback and /limit: refused cleanly when out of range', async () => {
    const random = seededRandom(2);
    const values = [0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 1001, 4, 7];
    for (let i = 0; i < 1000; i += 1) {
      const sessions = await serviceWithHistory();
      const value = random() < 0.5 ? (values[Math.floor(random() * values.length)] ?? 0) : Math.floor(random() * 2000) - 500;
      await expectSafe(sessions, () => sessions.rollback('k', value));
      await expectSafe(sessions, () => sessions.setLimit('k', value));
    }
  });

  it('3 000 random message bodies: accepted, or refused with a UserError; every accepted one splits into valid Discord messages', async () => {
    const random = seededRandom(3);
    const sessions = await serviceWithHistory();
    let refused = 0;
    for (let i = 0; i < 3000; i += 1) {
      const body = random() < 0.02 ? 'x'.repeat(4001) : randomText(random, 40).repeat(1 + Math.floor(random() * 60));
      try {
        const message = sessions.message({ role: 'user', content: body, authorName: randomText(random) });
        expect(message.tokens).toBeGreaterThanOrEqual(0);
        for (const piece of splitMessage(body)) expect(piece.length).toBeLessThanOrEqual(2000);
      } catch (error) {
        if (!isUserError(error)) throw error;
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
