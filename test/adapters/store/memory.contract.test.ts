import { MemoryDatabase } from '../../../src/adapters/store/memory-backend.js';
import { describeSessionStoreContract } from './contract.js';

describeSessionStoreContract('memory, transactions (as memory:// runs)', () => {
  const database = new MemoryDatabase();
  return Promise.resolve({ connect: () => Promise.resolve(database.connect()), cleanup: () => Promise.resolve() });
});

// A database that can compare-and-set one key only: chunks first, the head last (the design for
// Redis-like stores, see backend.ts).
describeSessionStoreContract('memory, single-key compare-and-set only', () => {
  const database = new MemoryDatabase();
  return Promise.resolve({ connect: () => Promise.resolve(database.connect({ transactions: false })), cleanup: () => Promise.resolve() });
});
