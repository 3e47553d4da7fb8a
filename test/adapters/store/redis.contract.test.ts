import { RedisBackend } from '../../../src/adapters/store/redis-backend.js';
import { parseStoreUrl } from '../../../src/adapters/store/store-url.js';
import { dropRedisNamespace, uniqueName, withParameter, withService } from '../../helpers/services.js';
import { describeSessionStoreContract } from './contract.js';

withService('REDIS_URL', 'session store contract: Redis', (url) => {
  // Each test its own namespace (key prefix), so parallel files and other runs on this Redis never meet.
  describeSessionStoreContract('Redis, each instance its own connection', () => {
    const namespace = uniqueName('cctest');
    const location = parseStoreUrl(withParameter(url, `namespace=${namespace}`));
    if (location.kind !== 'redis') throw new Error(`REDIS_URL is not a redis:// URL: ${location.kind}`);
    return Promise.resolve({ connect: () => RedisBackend.open(location), cleanup: () => dropRedisNamespace(url, namespace) });
  });
});
