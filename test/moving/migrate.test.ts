import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryDatabase } from '../../src/adapters/store/memory-backend.js';
import { SqliteBackend } from '../../src/adapters/store/sqlite-backend.js';
import { tempDir } from '../helpers/temp.js';
import { describeMigration, type MovingDatabase } from './migrate-suite.js';

function sqliteFile(name: string): MovingDatabase {
  const dir = tempDir();
  const file = join(dir.path, `${name}.sqlite`);
  return {
    connect: (options) => SqliteBackend.open(file, options),
    bytes: () => readFileSync(file),
    cleanup: () => {
      dir.cleanup();
      return Promise.resolve();
    },
  };
}

function memory(transactions: boolean): MovingDatabase {
  const database = new MemoryDatabase();
  return { connect: () => Promise.resolve(database.connect({ transactions })), cleanup: () => Promise.resolve() };
}

describeMigration('SQLite file to SQLite file', () => Promise.resolve({ source: sqliteFile('source'), target: sqliteFile('target') }));
describeMigration('memory to memory without transactions (as Redis-like stores write)', () => Promise.resolve({ source: memory(true), target: memory(false) }));
describeMigration('SQLite file to memory', () => Promise.resolve({ source: sqliteFile('source'), target: memory(true) }));
