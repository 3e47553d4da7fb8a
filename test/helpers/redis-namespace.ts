import { createClient } from '@redis/client';

/**
 * Deletes every key of a Redis store namespace (its records and its index), as the Redis backend
 * lays them out. Free of vitest, so the benchmarks use it too.
 */
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
