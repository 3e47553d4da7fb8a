/**
 * Cuts the official OpenAPI descriptions of Discord and OpenAI down to what contextcord uses, for
 * the contract tests in test/contract/ (CI has no network, so the extracts are committed).
 *
 *   npx tsx scripts/extract-openapi.ts \
 *     --discord <clone of discord/discord-api-spec>/specs/openapi.json \
 *     --openai <clone of openai/openai-openapi>/openapi.json
 *
 * Each document's commit is read with `git rev-parse HEAD` in its folder; give it with
 * `--discord-commit SHA` / `--openai-commit SHA` when the file is not inside a clone. Output:
 * test/contract/vendor/{discord,openai}-openapi.extract.json (or `--out DIR`).
 *
 * What an extract holds: the operations listed below (path-level parameters merged in), and every
 * component they reference, followed transitively, nothing else. What changes on the way, all
 * mechanical and listed in each extract's `x-contextcord-extract.conversions`:
 * - annotations no validator reads are dropped (descriptions, titles, examples, `x-*` vendor
 *   keys, `discriminator`, which only hints at the `oneOf` next to it), and so are `security`
 *   requirements: the fakes enforce credentials themselves;
 * - OpenAPI 3.0's `nullable: true`, which OpenAI's document still uses although it says 3.1, is
 *   rewritten as the JSON Schema 2020-12 it stands for: `{ anyOf: [<the schema>, { type: 'null' }] }`.
 *   Without it a validator would read every `nullable` field as non-null and refuse the `null`s
 *   OpenAI really sends (`usage: null` on stream chunks, `logprobs: null`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';

export interface Operation {
  readonly method: HttpMethod;
  /** As the upstream document spells it, e.g. `/channels/{channel_id}/messages`. */
  readonly path: string;
  /** Who calls it, to keep the list honest. */
  readonly why: string;
}

export interface Source {
  readonly name: 'discord' | 'openai';
  readonly repository: string;
  /** The document's path inside that repository. */
  readonly file: string;
  readonly licenseFile: string;
  readonly operations: readonly Operation[];
}

/** The routes the bot calls (through discord.js and the openai SDK) and the fakes answer. */
export const SOURCES: readonly Source[] = [
  {
    name: 'discord',
    repository: 'https://github.com/discord/discord-api-spec',
    file: 'specs/openapi.json',
    licenseFile: 'LICENSE-discord-api-spec',
    operations: [
      { method: 'get', path: '/gateway/bot', why: 'discord.js asks where to connect at login' },
      { method: 'put', path: '/applications/{application_id}/commands', why: 'deploy-commands, global' },
      { method: 'put', path: '/applications/{application_id}/guilds/{guild_id}/commands', why: 'deploy-commands with DISCORD_GUILD_ID' },
      { method: 'post', path: '/channels/{channel_id}/messages', why: 'answers: the reply, further pieces, failure notices' },
      { method: 'patch', path: '/channels/{channel_id}/messages/{message_id}', why: 'streaming edits' },
      { method: 'delete', path: '/channels/{channel_id}/messages/{message_id}', why: 'a piece the final split no longer needs' },
      { method: 'post', path: '/channels/{channel_id}/typing', why: 'typing while the model is slow to start' },
      { method: 'post', path: '/interactions/{interaction_id}/{interaction_token}/callback', why: 'slash command replies' },
      { method: 'post', path: '/webhooks/{webhook_id}/{webhook_token}', why: 'ephemeral follow-up after a reply' },
      { method: 'patch', path: '/webhooks/{webhook_id}/{webhook_token}/messages/@original', why: 'a slow command’s result, in place of its thinking state' },
    ],
  },
  {
    name: 'openai',
    repository: 'https://github.com/openai/openai-openapi',
    file: 'openapi.json',
    licenseFile: 'LICENSE-openai-openapi',
    operations: [{ method: 'post', path: '/chat/completions', why: 'every answer, streamed' }],
  },
];

const CONVERSIONS = [
  'dropped annotations: description, summary, title, example, examples, discriminator, x-* keys',
  'dropped security requirements (the fakes enforce credentials themselves)',
  "OpenAPI 3.0 `nullable: true` rewritten as JSON Schema 2020-12 `anyOf: [schema, { type: 'null' }]`",
];

/** Keys that hold one subschema, a list of them, or a map of them (JSON Schema 2020-12). */
const ONE_SCHEMA = new Set(['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties']);
const SCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_MAP = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);
const DROPPED = new Set(['description', 'summary', 'title', 'example', 'examples', 'discriminator']);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapValues(map: Json, each: (value: Json) => Json): Json {
  if (!isObject(map)) return map;
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, each(value)]));
}

/** A schema without annotations, with `nullable` spelled as 2020-12 (see the header). */
export function cleanSchema(schema: Json): Json {
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  let nullable = false;
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (key === 'nullable') {
      nullable = value === true;
      continue;
    }
    if (ONE_SCHEMA.has(key)) out[key] = cleanSchema(value);
    else if (SCHEMA_LIST.has(key) && Array.isArray(value)) out[key] = value.map(cleanSchema);
    else if (SCHEMA_MAP.has(key)) out[key] = mapValues(value, cleanSchema);
    else out[key] = value;
  }
  return nullable ? { anyOf: [out, { type: 'null' }] } : out;
}

/** Parameters, request bodies, responses and headers: the OpenAPI objects that carry schemas. */
function cleanOpenApiObject(node: Json): Json {
  if (Array.isArray(node)) return node.map(cleanOpenApiObject);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key) || key.startsWith('x-') || key === 'security' || key === 'tags') continue;
    out[key] = key === 'schema' ? cleanSchema(value) : cleanOpenApiObject(value);
  }
  return out;
}

function collectRefs(node: Json, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, into);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') into.add(value);
    else collectRefs(value, into);
  }
}

/** `#/components/schemas/Foo` → ['schemas', 'Foo'] (JSON Pointer escapes undone). */
function componentOf(ref: string): [kind: string, name: string] {
  const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
  if (!match?.[1] || !match[2]) throw new Error(`Unsupported $ref ${ref}: only #/components/<kind>/<name> is followed`);
  return [match[1], match[2].replaceAll('~1', '/').replaceAll('~0', '~')];
}

const documentSchema = z.object({
  openapi: z.string(),
  info: z.object({ title: z.string(), version: z.string() }).loose(),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.record(z.string(), z.record(z.string(), z.unknown())),
});

export interface Extract {
  readonly document: JsonObject;
  readonly componentCount: number;
}

export function extract(source: Source, upstream: JsonObject, commit: string): Extract {
  const doc = documentSchema.parse(upstream);
  const fullPaths = upstream['paths'];
  const fullComponents = upstream['components'];
  if (!isObject(fullPaths) || !isObject(fullComponents)) throw new Error('unreachable: checked by documentSchema');

  const paths: JsonObject = {};
  for (const op of source.operations) {
    const item = fullPaths[op.path];
    const operation = isObject(item) ? item[op.method] : undefined;
    if (!isObject(item) || !isObject(operation)) {
      throw new Error(`${source.name}: ${op.method.toUpperCase()} ${op.path} is not in ${source.file}; was it renamed upstream?`);
    }
    const shared = Array.isArray(item['parameters']) ? item['parameters'] : [];
    const own = Array.isArray(operation['parameters']) ? operation['parameters'] : [];
    const merged: JsonObject = { ...operation };
    if (shared.length + own.length > 0) merged['parameters'] = [...shared, ...own];
    const target = isObject(paths[op.path]) ? paths[op.path] : {};
    paths[op.path] = { ...(isObject(target) ? target : {}), [op.method]: cleanOpenApiObject(merged) };
  }

  // Follow references until no new component turns up.
  const components: Record<string, JsonObject> = {};
  const seen = new Set<string>();
  const pending = new Set<string>();
  collectRefs(paths, pending);
  while (pending.size > 0) {
    const [ref] = pending;
    if (ref === undefined) break;
    pending.delete(ref);
    if (seen.has(ref)) continue;
    seen.add(ref);
    const [kind, name] = componentOf(ref);
    const group = fullComponents[kind];
    const found = isObject(group) ? group[name] : undefined;
    if (found === undefined) throw new Error(`${source.name}: ${ref} is referenced but not defined upstream`);
    const cleaned = kind === 'schemas' ? cleanSchema(found) : cleanOpenApiObject(found);
    (components[kind] ??= {})[name] = cleaned;
    const inner = new Set<string>();
    collectRefs(cleaned, inner);
    for (const next of inner) if (!seen.has(next)) pending.add(next);
  }
  const sortedComponents: JsonObject = {};
  for (const kind of Object.keys(components).sort()) {
    const group = components[kind] ?? {};
    sortedComponents[kind] = Object.fromEntries(Object.keys(group).sort().map((name) => [name, group[name] ?? null]));
  }

  return {
    document: {
      'x-contextcord-extract': {
        repository: source.repository,
        commit,
        file: source.file,
        license: `MIT; the upstream notice is in ${source.licenseFile} beside this file`,
        generatedBy: 'scripts/extract-openapi.ts',
        operations: source.operations.map((op) => `${op.method.toUpperCase()} ${op.path}: ${op.why}`),
        conversions: CONVERSIONS,
      },
      openapi: doc.openapi,
      info: { title: doc.info.title, version: doc.info.version },
      paths,
      components: sortedComponents,
    },
    componentCount: seen.size,
  };
}

function commitOf(name: string, file: string, given: string | undefined): string {
  if (given !== undefined) return given;
  try {
    return execFileSync('git', ['-C', dirname(resolve(file)), 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    throw new Error(`Cannot tell which commit ${file} is from: it is not inside a git clone; pass it with --${name}-commit SHA`);
  }
}

const argsSchema = z.object({
  discord: z.string({ error: 'is required: the path of discord-api-spec/specs/openapi.json' }),
  openai: z.string({ error: 'is required: the path of openai-openapi/openapi.json' }),
  'discord-commit': z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-digit commit').optional(),
  'openai-commit': z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-digit commit').optional(),
  out: z.string().optional(),
});

function parseArgs(argv: readonly string[]): z.infer<typeof argsSchema> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new Error(`Expected --name value pairs, got ${argv.slice(i).join(' ')}`);
    raw[flag.slice(2)] = value;
  }
  const parsed = argsSchema.strict().safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `--${issue.path.join('.') || issue.message}: ${issue.message}`);
    throw new Error(`Usage: tsx scripts/extract-openapi.ts --discord FILE --openai FILE [--discord-commit SHA] [--openai-commit SHA] [--out DIR]\n${problems.join('\n')}`);
  }
  return parsed.data;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const here = dirname(fileURLToPath(import.meta.url));
  const out = resolve(args.out ?? join(here, '..', 'test', 'contract', 'vendor'));
  mkdirSync(out, { recursive: true });
  for (const source of SOURCES) {
    const file = source.name === 'discord' ? args.discord : args.openai;
    const commit = commitOf(source.name, file, source.name === 'discord' ? args['discord-commit'] : args['openai-commit']);
    // JSON.parse yields only JSON values, so an object here is a JsonObject.
    const upstream: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isObject(upstream)) throw new Error(`${file} is not a JSON object`);
    const result = extract(source, upstream, commit);
    const target = join(out, `${source.name}-openapi.extract.json`);
    writeFileSync(target, `${JSON.stringify(result.document, null, 1)}\n`);
    console.log(`${target}: ${source.operations.length} operations, ${result.componentCount} components, from ${source.repository} @ ${commit}`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
