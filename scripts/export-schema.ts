/**
 * Writes schema/contextcord-session.schema.json, the JSON Schema of the file /export writes and
 * /import reads, from the zod schema that defines the format (src/domain/portable.ts):
 *
 *   npm run schema
 *
 * test/domain/portable.test.ts fails while the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { exportSchema } from '../src/domain/portable.js';

export const SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'contextcord-session.schema.json');

/** The JSON Schema text, as committed. */
export function sessionJsonSchema(): string {
  const schema = z.toJSONSchema(exportSchema, { target: 'draft-2020-12', io: 'input' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_PATH, sessionJsonSchema());
  console.log(`wrote ${SCHEMA_PATH}`);
}
