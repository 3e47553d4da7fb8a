import pg from 'pg';
import { describe, it } from 'vitest';

/**
 * The database servers some tests run against (.ci/run exports both, and starts the servers
 * when they are down). Without the variable those tests are skipped, saying so and why.
 */
export type Service = 'REDIS_URL' | 'POSTGRES_URL';

const EXAMPLES: Readonly<Record<Service, string>> = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/test',
};

export function serviceUrl(service: Service): string | undefined {
  const value = process.env[service];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `suite` with the service's URL, or, without it, one skipped test whose name says why. */
export function withService(service: Service, name: string, suite: (url: string) => void): void {
  const url = serviceUrl(service);
  if (url !== undefined) {
    suite(url);
    return;
  }
  describe.skipIf(true)(name, () => {
    it(`skipped: ${service} is not set (e.g. ${service}=${EXAMPLES[service]}; .ci/run sets it)`, () => undefined);
  });
}

/** A name no other test file or run uses, for a key prefix, a schema or a table. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${String(process.pid)}_${Math.random().toString(36).slice(2, 10)}`;
}

export { dropRedisNamespace } from './redis-namespace.js';

/** Drops a PostgreSQL schema and everything in it. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** `url` with one more query parameter. */
export function withParameter(url: string, parameter: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${parameter}`;
}
