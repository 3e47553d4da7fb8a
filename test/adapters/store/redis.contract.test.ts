import { createClient } from '@redis/client';
import { RedisBackend } from '../../../src/adapters/store/redis-backend.js';
import { parseStoreUrl } from '../../../src/adapters/store/store-url.js';
import { uniqueName, withService } from '../../helpers/services.js';
import { describeSessionStoreContract } from './contract.js';

/** Deletes every key of a namespace (its records and its index). */
export async function dropRedisNamespace(url: string, namespace: string): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    for (const pattern of [`${namespace}::*`, `${namespace}:index`]) {
      for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) if (keys.length > 0) await client.unlink(keys);
    }
  } finally {
    await client.close();
  }
}

withService('REDIS_URL', 'session store contract: Redis', (url) => {
  // Each test its own namespace (key prefix), so parallel files and other runs on this Redis never meet.
  describeSessionStoreContract('Redis, each instance its own connection', () => {
    const namespace = uniqueName('cctest');
    const location = parseStoreUrl(`${url}${url.includes('?') ? '&' : '?'}namespace=${namespace}`);
    if (location.kind !== 'redis') throw new Error(`REDIS_URL is not a redis:// URL: ${location.kind}`);
    return Promise.resolve({ connect: () => RedisBackend.open(location), cleanup: () => dropRedisNamespace(url, namespace) });
  });
});
