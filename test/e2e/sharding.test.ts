/**
 * Shards as a server owner runs them: `npm run start:sharded` (discord.js's ShardingManager over
 * the bot's entry point) and SHARD_IDS on several hosts, each shard a real bot process against the
 * fake Discord, every process on one store. The fake sends each shard only its own servers (and
 * DMs to shard 0), as Discord does; a shard's log lines name it, which is how these tests see which
 * shard answered what.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { openSessionStore } from '../../src/adapters/store/open-session-store.js';
import type { FakeUser } from '../fakes/fake-discord.js';
import { BOT_ENTRY, type BotProcess, SHARDED_ENTRY, startBotProcess } from '../helpers/bot-process.js';
import { dropPostgresSchema, dropRedisNamespace, uniqueName, withParameter, withService } from '../helpers/services.js';
import { ada, DISCORD_TOKEN, DM, GENERAL, GUILD, OPENAI_KEY, RANDOM, World } from './harness.js';

const COUNT = 2;

/** The shard Discord routes a server to: (guild_id >> 22) % shard count. */
function shardOf(guildId: string, count = COUNT): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

/** A server id on `shard`, distinct for each `n`. */
function guildOnShard(shard: number, n: number): string {
  return String(((1n << 40n) + BigInt(n * COUNT + shard)) << 22n);
}

interface Place {
  readonly channel: string;
  /** The shard that must answer there. */
  readonly shard: number;
}

/** What a shard process logged, one JSON line each (pretty lines and stray output are skipped). */
function logLines(run: BotProcess): Array<Record<string, unknown>> {
  return run
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Until the manager has every shard ready and each shard process has logged its connection. */
async function allConnected(world: World, runs: readonly BotProcess[], shards: number): Promise<void> {
  await world.discord.waitFor(
    () =>
      runs.every((run) => run.stdout().includes('every shard is ready')) &&
      runs.flatMap((run) => logLines(run)).filter((l) => l['msg'] === 'connected to Discord').length >= shards,
    40_000,
  );
}

/** Which shards handled a mention in `channel`, from the processes' debug lines. */
function answeredBy(runs: readonly BotProcess[], channel: string): unknown[] {
  return runs.flatMap((run) => logLines(run).filter((l) => l['msg'] === 'mention handled' && l['session'] === channel).map((l) => l['shards']));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One store every process shares, and how to remove what a test left in it. */
interface SharedStore {
  readonly url: string;
  cleanup(): Promise<void>;
}

const sqliteStore = (dir: string): SharedStore => ({ url: `sqlite://${join(dir, 'shared.sqlite')}`, cleanup: () => Promise.resolve() });

function redisStore(url: string): SharedStore {
  // A namespace of its own, so other tests and runs on this Redis never meet these sessions.
  const namespace = uniqueName('ccshard');
  return { url: withParameter(url, `namespace=${namespace}`), cleanup: () => dropRedisNamespace(url, namespace) };
}

function postgresStore(url: string): SharedStore {
  // A schema of its own, for the same reason.
  const schema = uniqueName('ccshard');
  return { url: withParameter(url, `schema=${schema}`), cleanup: () => dropPostgresSchema(url, schema) };
}

withService('REDIS_URL', 'sharded on Redis', (url) => {
  shardingSuite('Redis', () => redisStore(url), { everything: false });
});
withService('POSTGRES_URL', 'sharded on PostgreSQL', (url) => {
  shardingSuite('PostgreSQL', () => postgresStore(url), { everything: false });
});
shardingSuite('SQLite', sqliteStore, { everything: true });

/**
 * The shard tests on one store: start:sharded and two hosts on every store; one process with two
 * shards, the respawn and the second signal (which do not depend on the store) on SQLite only.
 */
function shardingSuite(storeName: string, makeStore: (dir: string) => SharedStore, which: { everything: boolean }): void {
  describe(`sharded on ${storeName}: every server answered by its own shard, on one store`, () => {
    let world: World;
    const children: ChildProcess[] = [];
    let places: Place[];
    let store: SharedStore;
    let storeUrl: string;

    beforeEach(async () => {
      // Discord recommends two shards: SHARD_COUNT=auto reads that from GET /gateway/bot.
      world = await World.create({ discord: { recommendedShards: COUNT } });
      store = makeStore(world.dir.path);
      storeUrl = store.url;
      const guilds = [guildOnShard(0, 1), guildOnShard(1, 1), guildOnShard(0, 2), guildOnShard(1, 2)];
      for (const [i, id] of guilds.entries()) {
        world.discord.addGuild({ id, name: `server ${String(i)}`, channels: [{ id: String(BigInt(id) + 10n), name: 'general' }] });
      }
      places = [
        { channel: GENERAL, shard: shardOf(GUILD) },
        { channel: RANDOM, shard: shardOf(GUILD) },
        ...guilds.map((id) => ({ channel: String(BigInt(id) + 10n), shard: shardOf(id) })),
        { channel: DM, shard: 0 },
      ];
      expect(new Set(places.map((p) => p.shard))).toEqual(new Set([0, 1]));
    });
    afterEach(async () => {
      for (const child of children.splice(0)) child.kill('SIGKILL');
      await world.close();
      await store.cleanup();
    });

    const launch = (overrides: Record<string, string>, script = SHARDED_ENTRY, options: { ownGroup?: boolean } = {}): BotProcess => {
      const run = startBotProcess(
        {
          DISCORD_TOKEN,
          OPENAI_API_KEY: OPENAI_KEY,
          OPENAI_BASE_URL: world.openai.baseURL,
          DISCORD_API_URL: world.discord.apiUrl,
          STORE_URL: storeUrl,
          USER_RATE_LIMIT: '0',
          LOG_LEVEL: 'debug',
          SHARD_SPAWN_DELAY_MS: '100',
          ...overrides,
        },
        world.dir.path,
        script,
        options,
      );
      children.push(run.child);
      return run;
    };

    /**
     * Asks once in every place, one after the other, each answer awaited, and until the process that
     * answered has logged handling it (its lines reach the pipe a little after the reply).
     */
    const askEverywhere = async (question: string, runs: readonly BotProcess[], author: FakeUser = ada): Promise<void> => {
      for (const place of places) {
        const before = world.botMessages(place.channel).length;
        const handled = answeredBy(runs, place.channel).length;
        await world.discord.userMessage({ channelId: place.channel, author, content: `${question} in ${place.channel}`, mentionBot: place.channel !== DM });
        await world.discord.waitFor(() => world.botMessages(place.channel).length > before && answeredBy(runs, place.channel).length > handled, 15_000);
      }
    };

    /** Every round asked so far is in the store, for every place. */
    const storedRounds = async (rounds: number): Promise<void> => {
      const reader = await openSessionStore(storeUrl, world.logs.logger, { cachedMessages: 0 });
      try {
        for (const place of places) {
          await expect.poll(async () => (await reader.load(place.channel)).session.history.length, { timeout: 10_000 }).toBe(2 * rounds);
        }
      } finally {
        await reader.close();
      }
    };

    it('npm run start:sharded (SHARD_COUNT auto = 2): one process per shard; SIGTERM stops both cleanly; restarted, every session is intact', async () => {
      const first = launch({});
      await allConnected(world, [first], 2);
      const identified = world.discord.gatewayFrames.filter((f) => f.op === 2).map((f) => (f.d as { shard?: unknown }).shard);
      expect(identified).toEqual([[0, 2], [1, 2]]);
      const ready = logLines(first).filter((l) => l['msg'] === 'connected to Discord');
      expect(ready.map((l) => l['shards'])).toEqual([[0], [1]]);
      expect(new Set(ready.map((l) => l['pid'])).size).toBe(2);

      await askEverywhere('first', [first]);
      for (const place of places) {
        // Answered once, by the shard that owns the server (DMs: shard 0), never by the other.
        expect(answeredBy([first], place.channel)).toEqual([[place.shard]]);
        expect(world.botMessages(place.channel)).toHaveLength(1);
      }
      await storedRounds(1);

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      // Each shard ran its own graceful stop.
      expect(logLines(first).filter((l) => l['msg'] === 'stopped').map((l) => l['shards'])).toEqual(expect.arrayContaining([[0], [1]]));
      expect(first.stdout()).toContain('every shard has stopped');

      const second = launch({});
      await allConnected(world, [second], 2);
      world.openai.requests.length = 0;
      await askEverywhere('second', [second]);
      for (const place of places) {
        expect(answeredBy([second], place.channel)).toEqual([[place.shard]]);
        // The model saw the first round of this place: the session came through the restart whole.
        const sent = world.openai.requests.find((r) => r.body.messages.some((m) => String(m.content).includes(`second in ${place.channel}`)));
        expect(sent?.body.messages.filter((m) => m.role !== 'system').map((m) => String(m.content))).toEqual([
          `Ada: first in ${place.channel}`,
          `You said: Ada: first in ${place.channel}`,
          `Ada: second in ${place.channel}`,
        ]);
      }
      await storedRounds(2);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }, 180_000);

    it('two hosts: SHARD_IDS=0 and SHARD_IDS=1 of SHARD_COUNT=2 on one store; each server answered by its host', async () => {
      const hostA = launch({ SHARD_COUNT: '2', SHARD_IDS: '0' });
      const hostB = launch({ SHARD_COUNT: '2', SHARD_IDS: '1' });
      await allConnected(world, [hostA, hostB], 2);
      await askEverywhere('hello', [hostA, hostB]);
      for (const place of places) {
        expect(answeredBy([place.shard === 0 ? hostA : hostB], place.channel)).toEqual([[place.shard]]);
        expect(answeredBy([place.shard === 0 ? hostB : hostA], place.channel)).toEqual([]);
      }
      await storedRounds(1);
      hostA.child.kill('SIGTERM');
      hostB.child.kill('SIGTERM');
      expect([await hostA.exited, await hostB.exited]).toEqual([0, 0]);
    }, 120_000);

    it.runIf(which.everything)('Ctrl-C in a terminal (SIGINT to the whole process group): every shard finishes its answer under way, exit 0', async () => {
    const run = launch({ SHARD_COUNT: '2' }, SHARDED_ENTRY, { ownGroup: true });
    await allConnected(world, [run], 2);
    world.openai.setChunkDelay(20);
    world.openai.setResponder(() => 'word'.repeat(50));
    const busy = [places.find((p) => p.shard === 0), places.find((p) => p.shard === 1)].map((p) => p?.channel ?? '');
    for (const channel of busy) await world.discord.userMessage({ channelId: channel, author: ada, content: 'a story', mentionBot: true });
    await world.discord.waitFor(() => world.openai.requests.length === 2, 15_000);
    process.kill(-(run.child.pid ?? 0), 'SIGINT');
    expect(await run.exited).toBe(0);
    // Both answers ran to the end: the shards took the group's SIGINT and the manager's SIGTERM as one stop.
    for (const channel of busy) expect(world.botMessages(channel).map((m) => m.content)).toEqual(['word'.repeat(50)]);
  }, 90_000);

  it.runIf(which.everything)('npm start with SHARD_IDS=0,1: both shards in one process', async () => {
      const run = launch({ SHARD_COUNT: '2', SHARD_IDS: '0,1' }, BOT_ENTRY);
      await world.discord.waitFor(() => run.stdout().includes('connected to Discord'), 30_000);
      expect(world.discord.gatewayFrames.filter((f) => f.op === 2).map((f) => (f.d as { shard?: unknown }).shard)).toEqual([[0, 2], [1, 2]]);
      await askEverywhere('one process', [run]);
      for (const place of places) expect(answeredBy([run], place.channel)).toEqual([[0, 1]]);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }, 90_000);

    it.runIf(which.everything)('a shard that dies is started again, and answers its servers; each shard has its own HTTP port; a second signal stops everything at once', async () => {
      const run = launch({ SHARD_COUNT: '2', SHUTDOWN_TIMEOUT_MS: '30000' });
      await allConnected(world, [run], 2);
      const pidOf = (shard: number): number => {
        const line = logLines(run).findLast((l) => l['msg'] === 'connected to Discord' && JSON.stringify(l['shards']) === `[${String(shard)}]`);
        return Number(line?.['pid']);
      };
      const dead = pidOf(1);
      process.kill(dead, 'SIGKILL');
      await world.discord.waitFor(() => logLines(run).filter((l) => l['msg'] === 'connected to Discord').length === 3, 40_000);
      expect(run.stdout()).toContain('shard process died; starting it again');
      const respawned = pidOf(1);
      expect(respawned).not.toBe(dead);
      await askEverywhere('after the respawn', [run]);
      for (const place of places) expect(answeredBy([run], place.channel)).toEqual([[place.shard]]);

      // An answer under way in each shard (a 30 s stream), so a graceful stop would wait its grace.
      const shardPids = [pidOf(0), respawned];
      world.openai.setChunkDelay(100);
      world.openai.setResponder(() => 'word'.repeat(300));
      for (const channel of [places.find((p) => p.shard === 0)?.channel, places.find((p) => p.shard === 1)?.channel]) {
        await world.discord.userMessage({ channelId: channel ?? '', author: ada, content: 'a long story', mentionBot: true });
      }
      await world.discord.waitFor(() => world.openai.requests.filter((r) => r.body.messages.some((m) => String(m.content).includes('a long story'))).length === 2, 15_000);
      run.child.kill('SIGTERM');
      await world.discord.waitFor(() => run.stdout().includes('signal received: stopping every shard'), 10_000);
      const signalled = Date.now();
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(143);
      // The shards were told twice too: each stops at once rather than waiting out its grace (30 s).
      await world.discord.waitFor(() => shardPids.every((pid) => !isRunning(pid)), 10_000);
      expect(Date.now() - signalled).toBeLessThan(10_000);
    }, 150_000);
  });
}
