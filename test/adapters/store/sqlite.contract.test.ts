import { join } from 'node:path';
import { SqliteBackend } from '../../../src/adapters/store/sqlite-backend.js';
import { tempDir } from '../../helpers/temp.js';
import { describeSessionStoreContract } from './contract.js';

describeSessionStoreContract('SQLite file (WAL), each instance its own connection', () => {
  const dir = tempDir();
  const file = join(dir.path, 'contract.sqlite');
  const cleanup = (): Promise<void> => {
    dir.cleanup();
    return Promise.resolve();
  };
  return Promise.resolve({ connect: () => SqliteBackend.open(file), cleanup });
});
