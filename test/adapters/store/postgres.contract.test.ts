import { PostgresBackend } from '../../../src/adapters/store/postgres-backend.js';
import { parseStoreUrl } from '../../../src/adapters/store/store-url.js';
import { dropPostgresSchema, uniqueName, withParameter, withService } from '../../helpers/services.js';
import { describeSessionStoreContract } from './contract.js';

withService('POSTGRES_URL', 'session store contract: PostgreSQL', (url) => {
  // Each test its own schema, so parallel files and other runs on this database never meet.
  describeSessionStoreContract('PostgreSQL, each instance its own pool', () => {
    const schema = uniqueName('cctest');
    const location = parseStoreUrl(withParameter(url, `schema=${schema}`));
    if (location.kind !== 'postgres') throw new Error(`POSTGRES_URL is not a postgres:// URL: ${location.kind}`);
    return Promise.resolve({ connect: () => PostgresBackend.open(location), cleanup: () => dropPostgresSchema(url, schema) });
  });
});
