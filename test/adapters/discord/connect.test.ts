import { afterEach, describe, expect, it } from 'vitest';
import { connectWithin, within } from '../../../src/adapters/discord/connect.js';
import { createClient } from '../../../src/bot.js';
import { StartupError } from '../../../src/startup-errors.js';
import { FakeDiscord } from '../../fakes/fake-discord.js';

let fake: FakeDiscord | undefined;
let client: ReturnType<typeof createClient> | undefined;

afterEach(async () => {
  await client?.destroy();
  await fake?.close();
  client = undefined;
  fake = undefined;
});

describe('connectWithin', () => {
  it('resolves once the client is ready', async () => {
    fake = await FakeDiscord.start({ token: 'right-token' });
    client = createClient(fake.apiUrl);
    await connectWithin(client, { token: 'right-token', timeoutMs: 5000, apiUrl: fake.apiUrl });
    expect(client.isReady()).toBe(true);
  });

  it('turns a close code discord.js will not retry into a StartupError carrying the code', async () => {
    fake = await FakeDiscord.start({ token: 'right-token' });
    fake.refuseNextIdentify(4011);
    client = createClient(fake.apiUrl);
    const error = await connectWithin(client, { token: 'right-token', timeoutMs: 5000, apiUrl: fake.apiUrl }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect(error).toMatchObject({ failure: { kind: 'gateway-closed', code: 4011 }, cause: { message: 'Sharding is required' } });
  });

  it('leaves other errors as they are, for the line to read', async () => {
    fake = await FakeDiscord.start({ token: 'right-token' });
    client = createClient(fake.apiUrl);
    await expect(connectWithin(client, { token: 'wrong-token', timeoutMs: 5000, apiUrl: fake.apiUrl })).rejects.toMatchObject({
      code: 'TokenInvalid',
    });
  });
});

describe('within', () => {
  it('passes the result of work that finishes in time', async () => {
    await expect(within(Promise.resolve(42), 1000, () => new Error('late'))).resolves.toBe(42);
  });

  it('rejects with the timeout error when the work never settles', async () => {
    const never = new Promise<number>(() => {});
    await expect(within(never, 20, () => new Error('nothing in 20 ms'))).rejects.toThrow('nothing in 20 ms');
  });

  it('passes the work’s own failure through', async () => {
    await expect(within(Promise.reject(new Error('refused')), 1000, () => new Error('late'))).rejects.toThrow('refused');
  });

  it('does not leave the work’s later failure unhandled', async () => {
    let fail: (error: Error) => void = () => {};
    const work = new Promise<number>((_, reject) => {
      fail = reject;
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(within(work, 10, () => new Error('late'))).rejects.toThrow('late');
      fail(new Error('gave up afterwards'));
      // Unhandled rejections are reported after the microtask queue drains; one macrotask is enough.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
