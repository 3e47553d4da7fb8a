/**
 * The bot on Redis and on PostgreSQL, with the store going away while it runs: the turns that
 * need it fail visibly and store nothing, /readyz says so, and once the store is back the bot
 * carries on by itself, with nothing lost. Redis is a server of the test's own (stopped and
 * started again on its port); PostgreSQL is reached through a TCP relay the test cuts.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { once } from 'node:events';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropPostgresSchema, uniqueName, withParameter, withService } from '../helpers/services.js';
import { freePort, Relay } from '../helpers/relay.js';
import { tempDir } from '../helpers/temp.js';
import { GENERAL, World } from './harness.js';

const UNAVAILABLE = "⚠️ I cannot store memory right now: the bot's database is unavailable. Your message was not added to memory. The bot's operator can see why in its logs.";

async function readyz(world: World): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${world.app?.http?.url ?? ''}/readyz`);
  return { status: response.status, body: await response.json() };
}

/** A redis-server of this test's own, keeping its data in an append-only file across restarts. */
class RedisServer {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(dir: string): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), dir);
    await server.up();
    return server;
  }

  async up(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', this.dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (data: Buffer) => {
        output += data.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${String(code)}): ${output}`)));
    });
  }

  async down(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

withService('REDIS_URL', 'the bot on Redis', () => {
  describe.skipIf(!hasRedisServer)('the bot on Redis (a redis-server of its own)', () => {
    let world: World;
    let data: ReturnType<typeof tempDir>;
    let redis: RedisServer;

    beforeEach(async () => {
      world = await World.create();
      data = tempDir();
      redis = await RedisServer.start(data.path);
    });

    afterEach(async () => {
      await world.close();
      await redis.down();
      data.cleanup();
    });

    it('writes no local file; a Redis that goes away fails the turns that need it, and the bot recovers by itself when it is back', async () => {
      await world.start({ STORE_URL: `redis://127.0.0.1:${String(redis.port)}/0?namespace=e2e`, HTTP_PORT: '0' });
      world.openai.setResponder(() => 'noted');
      await world.ask(GENERAL, 'remember this');
      expect(readdirSync(world.dir.path)).toEqual([]);
      expect(await readyz(world)).toMatchObject({ status: 200 });

      await redis.down();
      expect((await world.ask(GENERAL, 'and this?')).at(-1)?.content).toBe(UNAVAILABLE);
      expect(await readyz(world)).toEqual({ status: 503, body: { ready: false, checks: { gateway: 'ok', store: 'failed (see the log)' } } });
      const lost = world.logs.lines.find((l) => l.msg === 'lost the connection to the store; reconnecting');
      expect(lost?.store).toBe(`redis://127.0.0.1:${String(redis.port)}/0?namespace=e2e`);

      await redis.up();
      await expect.poll(async () => (await readyz(world)).status, { timeout: 10_000, interval: 50 }).toBe(200);
      await world.ask(GENERAL, 'back?');
      expect(world.sentToModel()).toEqual(['system: You are a test bot.', 'user: Ada: remember this', 'assistant: noted', 'user: Ada: back?']);
      expect(world.logs.lines.some((l) => l.msg === 'the store is reachable again')).toBe(true);
      // Stored, not just cached: a restart on the same Redis reads it back.
      await world.stopBot();
      await world.start({ STORE_URL: `redis://127.0.0.1:${String(redis.port)}/0?namespace=e2e` });
      expect((await world.app?.ctx.engine.memory.read(GENERAL))?.history.map((m) => m.content)).toEqual(['remember this', 'noted', 'back?', 'noted']);
    });
  });
});

withService('POSTGRES_URL', 'the bot on PostgreSQL', (url) => {
  describe('the bot on PostgreSQL (through a relay the test cuts)', () => {
    let world: World;
    let relay: Relay;
    const schema = uniqueName('cce2e');
    const application = uniqueName('cce2e');

    beforeEach(async () => {
      world = await World.create();
      const target = new URL(url);
      relay = await Relay.start({ host: target.hostname, port: Number(target.port === '' ? '5432' : target.port) });
    });

    afterEach(async () => {
      await world.close();
      await relay.down();
      await dropPostgresSchema(url, schema);
    });

    it('connections ended by the server are replaced by themselves; a server that cannot be reached fails the turns that need it until it is back', async () => {
      const target = new URL(url);
      target.port = String(relay.port);
      const storeUrl = withParameter(target.toString(), `schema=${schema}&application_name=${application}`);
      await world.start({ STORE_URL: storeUrl, HTTP_PORT: '0' });
      world.openai.setResponder(() => 'noted');
      await world.ask(GENERAL, 'remember this');
      expect(readdirSync(world.dir.path)).toEqual([]);

      // An administrator (or a restart) ends the bot's connections between turns: the pool opens new ones.
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const ended = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [application]);
      await admin.end();
      expect(ended.rowCount).toBeGreaterThan(0);
      await world.ask(GENERAL, 'still there?');
      expect(world.sentToModel().at(-1)).toBe('user: Ada: still there?');
      expect(world.botMessages(GENERAL).at(-1)?.content).toBe('noted');

      await relay.down();
      expect((await world.ask(GENERAL, 'and this?')).at(-1)?.content).toBe(UNAVAILABLE);
      expect(await readyz(world)).toMatchObject({ status: 503, body: { checks: { store: 'failed (see the log)' } } });

      await relay.up();
      await expect.poll(async () => (await readyz(world)).status, { timeout: 10_000, interval: 50 }).toBe(200);
      await world.ask(GENERAL, 'back?');
      const history = (await world.app?.ctx.engine.memory.read(GENERAL))?.history.map((m) => m.content);
      expect(history).toEqual(['remember this', 'noted', 'still there?', 'noted', 'back?', 'noted']);
    });
  });
});
