/**
 * The README and .env.example tell a server owner what each variable accepts; these tests hold
 * them to the schema, which is what the bot actually checks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandsByName } from '../commands/index.js';
import { configSchema, loadConfig } from '../src/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const envExample = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
const required = { DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'sk-one' };
const variables = Object.keys(configSchema.shape);

/** The README configuration table's row for `name`. */
function row(name: string): string {
  const found = readme.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
  if (found === undefined) throw new Error(`the README's configuration table has no row for ${name}`);
  return found;
}

/** The range the schema itself states for a whole-number variable (from its own error), or undefined. */
function schemaRange(name: string): [number, number] | undefined {
  try {
    loadConfig({ ...required, [name]: 'not a number' });
  } catch (error) {
    const match = new RegExp(`${name}: expected a whole number from (\\d+) to (\\d+)`).exec(String(error));
    if (match) return [Number(match[1]), Number(match[2])];
  }
  return undefined;
}

const numberVariables = variables.filter((name) => schemaRange(name) !== undefined);

describe('the configuration documentation', () => {
  it.each(variables)('%s has a row in the README and a line in .env.example', (name) => {
    expect(row(name)).toContain(name);
    expect(envExample).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it('finds the whole-number variables (so the next test checks something)', () => {
    expect(numberVariables).toContain('CONTEXT_TOKENS');
    expect(numberVariables.length).toBeGreaterThanOrEqual(13);
  });

  it.each(numberVariables)('%s: the README states the range the schema enforces', (name) => {
    const range = /(\d[\d ]*)–(\d[\d ]*)/.exec(row(name));
    expect(range, row(name)).not.toBeNull();
    const documented = [Number(range?.[1]?.replace(/ /g, '')), Number(range?.[2]?.replace(/ /g, ''))];
    expect(documented).toEqual(schemaRange(name));
  });

  it('MAX_REPLY_TOKENS must also stay below CONTEXT_TOKENS, as the README says', () => {
    expect(row('MAX_REPLY_TOKENS')).toContain('less than `CONTEXT_TOKENS`');
    expect(() => loadConfig({ ...required, CONTEXT_TOKENS: '4096', MAX_REPLY_TOKENS: '4096' })).toThrow(/MAX_REPLY_TOKENS: must be smaller/);
  });

  it('/rollback: the README states the count Discord will accept', () => {
    const option = commandsByName.get('rollback')?.data.toJSON().options?.[0];
    expect(option).toMatchObject({ name: 'count', min_value: 1, max_value: 1000 });
    expect(readme).toContain('| `/rollback` | `count` 1–1000, default 1 |');
  });
});
