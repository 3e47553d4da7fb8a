import { Agent, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthServer, type HealthServerOptions, startHealthServer } from '../../../src/adapters/metrics/http-server.js';
import type { ReadinessReport } from '../../../src/adapters/metrics/readiness.js';
import { captureLogs } from '../../helpers/logs.js';

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(overrides: Partial<HealthServerOptions> = {}): Promise<HealthServer> {
  const server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    ready: () => Promise.resolve({ ready: true, checks: { gateway: 'ok' } }),
    metrics: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'up 1\n' }),
    logger: captureLogs().logger,
    ...overrides,
  });
  servers.push(server);
  return server;
}

describe('the health server', () => {
  it('answers /healthz, /readyz and /metrics on the port the system picked', async () => {
    const server = await serve();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${String(server.port)}`);
    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('content-type')).toBe('application/json');
    expect(await ready.json()).toEqual({ ready: true, checks: { gateway: 'ok' } });
    const metrics = await fetch(`${server.url}/metrics?name[]=up`);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await metrics.text()).toBe('up 1\n');
  });

  it('says 503 with the failing checks while not ready, asking at each request', async () => {
    let report: ReadinessReport = { ready: false, checks: { gateway: 'not logged in to the gateway', store: 'ok' } };
    const server = await serve({ ready: () => Promise.resolve(report) });
    const first = await fetch(`${server.url}/readyz`);
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual(report);
    report = { ready: true, checks: { gateway: 'ok', store: 'ok' } };
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('answers HEAD without a body, other methods with 405, unknown paths with 404', async () => {
    const server = await serve();
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, '3', '']);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const unknown = await fetch(`${server.url}/status`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('/healthz, /readyz or /metrics');
  });

  it('a failing metrics collection is a 500 and a log line; the server keeps answering', async () => {
    const logs = captureLogs();
    const server = await serve({ metrics: () => Promise.reject(new Error('collect failed')), logger: logs.logger });
    const failed = await fetch(`${server.url}/metrics`);
    expect(failed.status).toBe(500);
    expect(logs.lines.find((l) => l['msg'] === 'health endpoint failed')).toMatchObject({ level: 50, path: '/metrics', err: { message: 'collect failed' } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('rejects with the listen error when the port is taken', async () => {
    const taken = await serve();
    await expect(serve({ port: taken.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('closes without waiting for a scraper that holds a keep-alive connection open', async () => {
    const server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      ready: () => Promise.resolve({ ready: true, checks: {} }),
      metrics: () => Promise.resolve({ contentType: 'text/plain', body: '' }),
      logger: captureLogs().logger,
    });
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    const socket = await new Promise<Socket>((resolve) => {
      const req = httpRequest(`${server.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.socket as Socket));
      });
      req.end();
    });
    const closedBy = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const started = performance.now();
    await server.close();
    await closedBy;
    // Node keeps an idle connection for 5 s (keepAliveTimeout); closing cut it off instead.
    expect(performance.now() - started).toBeLessThan(2_000);
    agent.destroy();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
