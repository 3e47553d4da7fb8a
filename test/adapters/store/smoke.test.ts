import { expect, it } from 'vitest';
import { openSessionStore } from '../../../src/adapters/store/open-session-store.js';
import { commitRound, pin } from '../../../src/domain/index.js';
import { captureLogs } from '../../helpers/logs.js';
import { assistant, user } from '../../helpers/domain.js';
import { tempDir } from '../../helpers/temp.js';
import { join } from 'node:path';

it('smoke', async () => {
  const dir = tempDir();
  for (const url of ['memory://', `sqlite://${join(dir.path, 'x.sqlite')}`]) {
    const logs = captureLogs();
    const store = await openSessionStore(url, logs.logger);
    let s = await store.load('k');
    for (let i = 0; i < 30; i += 1) {
      const c = commitRound(s.session, [user(`q${i}`), assistant(`a${i}`)], 40);
      s = await store.commit(s, c.change);
      expect(s.session).toEqual(c.session);
    }
    const p = pin(s.session, [0, 5]);
    s = await store.commit(s, p.change);
    store.clearCache();
    const back = await store.load('k');
    expect(back).toEqual(s);
    expect(back.version).toBe(31);
    store.clearCache();
    const ctx = await store.loadForContext('k', () => 30);
    expect(ctx.skipped).toBeGreaterThan(0);
    await expect(store.commit({ ...s, version: 3 }, p.change)).rejects.toThrow(/no longer at version 3/);
    expect(logs.lines.filter((l) => Number(l['level']) >= 40)).toEqual([]);
    await store.close();
  }
  dir.cleanup();
});
