import { describe, expect, it } from 'vitest';
import { Readiness } from '../../../src/adapters/metrics/readiness.js';
import { captureLogs } from '../../helpers/logs.js';

describe('Readiness', () => {
  it('is ready when every check passes, and names each one', async () => {
    const readiness = new Readiness({ gateway: () => undefined, store: () => Promise.resolve(undefined) }, captureLogs().logger);
    expect(await readiness.check()).toEqual({ ready: true, checks: { gateway: 'ok', store: 'ok' } });
  });

  it('is not ready when one check gives a reason; the others still say ok', async () => {
    const readiness = new Readiness({ gateway: () => 'not logged in to the gateway', store: () => undefined }, captureLogs().logger);
    expect(await readiness.check()).toEqual({ ready: false, checks: { gateway: 'not logged in to the gateway', store: 'ok' } });
  });

  it('a check that throws fails without showing its error, which goes to the log once per change of state', async () => {
    const logs = captureLogs();
    let failing = true;
    const readiness = new Readiness(
      {
        store: async () => {
          if (failing) throw new Error('SQLITE_IOERR: disk I/O error at /srv/secret/path');
          return undefined;
        },
      },
      logs.logger,
    );
    const first = await readiness.check();
    expect(first).toEqual({ ready: false, checks: { store: 'failed (see the log)' } });
    expect(JSON.stringify(first)).not.toContain('secret');
    await readiness.check();
    const failures = logs.lines.filter((l) => l['msg'] === 'readiness check failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 40, check: 'store', err: { message: 'SQLITE_IOERR: disk I/O error at /srv/secret/path' } });
    expect(logs.lines.filter((l) => l['msg'] === 'not ready')).toHaveLength(1);

    failing = false;
    expect(await readiness.check()).toEqual({ ready: true, checks: { store: 'ok' } });
    await readiness.check();
    expect(logs.lines.filter((l) => l['msg'] === 'ready')).toHaveLength(1);
  });

  it('a check that does not answer within the limit fails as such', async () => {
    const readiness = new Readiness({ store: () => new Promise<undefined>(() => undefined), gateway: () => undefined }, captureLogs().logger, 30);
    expect(await readiness.check()).toEqual({ ready: false, checks: { store: 'no answer within 30 ms', gateway: 'ok' } });
  });
});
