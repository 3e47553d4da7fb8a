import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cleanSchema, extract, SOURCES, type Source } from '../../scripts/extract-openapi.js';

describe('cleanSchema', () => {
  it('spells OpenAPI 3.0 `nullable` as 2020-12, at any depth', () => {
    expect(cleanSchema({ type: 'integer', nullable: true, description: 'n' })).toEqual({ anyOf: [{ type: 'integer' }, { type: 'null' }] });
    expect(cleanSchema({ $ref: '#/components/schemas/Usage', nullable: true })).toEqual({ anyOf: [{ $ref: '#/components/schemas/Usage' }, { type: 'null' }] });
    expect(cleanSchema({ type: 'array', items: { type: 'string', enum: ['a'], nullable: true } })).toEqual({
      type: 'array',
      items: { anyOf: [{ type: 'string', enum: ['a'] }, { type: 'null' }] },
    });
    expect(cleanSchema({ type: 'string', nullable: false })).toEqual({ type: 'string' });
  });

  it('drops annotations but never a property that happens to share their name', () => {
    const schema = {
      type: 'object',
      title: 'Thing',
      description: 'about it',
      'x-oaiMeta': { name: 'x' },
      example: { description: 'an example' },
      discriminator: { propertyName: 'type' },
      properties: { description: { type: 'string', description: 'the description field' }, title: { type: 'string' } },
      required: ['description'],
    };
    expect(cleanSchema(schema)).toEqual({
      type: 'object',
      properties: { description: { type: 'string' }, title: { type: 'string' } },
      required: ['description'],
    });
  });
});

describe('extract', () => {
  const source: Source = {
    name: 'discord',
    repository: 'https://example.invalid/spec',
    file: 'openapi.json',
    licenseFile: 'LICENSE-x',
    operations: [{ method: 'post', path: '/things/{id}', why: 'test' }],
  };
  const upstream = {
    openapi: '3.1.0',
    info: { title: 'T', version: '1', description: 'long text' },
    paths: {
      '/things/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { $ref: '#/components/schemas/Id' } }],
        post: {
          operationId: 'make_thing',
          description: 'makes one',
          security: [{ Token: [] }],
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } },
          responses: { '200': { description: 'ok' }, '4XX': { $ref: '#/components/responses/Err' } },
        },
        get: { responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Unused' } } } } } },
      },
      '/other': { get: { responses: {} } },
    },
    components: {
      schemas: {
        Id: { type: 'string' },
        A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } },
        B: { type: 'array', items: { $ref: '#/components/schemas/C' } },
        C: { type: 'integer', nullable: true },
        E: { type: 'object' },
        Unused: { type: 'boolean' },
      },
      responses: { Err: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/E' } } } } },
      securitySchemes: { Token: { type: 'apiKey', in: 'header', name: 'Authorization' } },
    },
  };

  it('keeps the listed operations with their path parameters and every component they reach, and nothing else', () => {
    const { document, componentCount } = extract(source, upstream, 'a'.repeat(40));
    expect(document['paths']).toEqual({
      '/things/{id}': {
        post: {
          operationId: 'make_thing',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { $ref: '#/components/schemas/Id' } }],
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } },
          responses: { '200': {}, '4XX': { $ref: '#/components/responses/Err' } },
        },
      },
    });
    expect(document['components']).toEqual({
      responses: { Err: { content: { 'application/json': { schema: { $ref: '#/components/schemas/E' } } } } },
      schemas: {
        A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } },
        B: { type: 'array', items: { $ref: '#/components/schemas/C' } },
        C: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
        E: { type: 'object' },
        Id: { type: 'string' },
      },
    });
    expect(componentCount).toBe(6);
    expect(document['x-contextcord-extract']).toMatchObject({ repository: source.repository, commit: 'a'.repeat(40), file: 'openapi.json' });
  });

  it('names an operation or a component that is missing upstream', () => {
    expect(() => extract({ ...source, operations: [{ method: 'delete', path: '/things/{id}', why: 'test' }] }, upstream, 'c')).toThrow(
      /DELETE \/things\/\{id\} is not in openapi.json/,
    );
    const broken = structuredClone(upstream);
    delete (broken.components.schemas as Partial<typeof upstream.components.schemas>).C;
    expect(() => extract(source, broken, 'c')).toThrow(/#\/components\/schemas\/C is referenced but not defined upstream/);
  });
});

describe('the committed extracts', () => {
  for (const source of SOURCES) {
    const document = JSON.parse(readFileSync(new URL(`vendor/${source.name}-openapi.extract.json`, import.meta.url), 'utf8')) as {
      'x-contextcord-extract': { repository: string; commit: string; file: string; operations: string[] };
      paths: Record<string, Record<string, unknown>>;
      components: Record<string, Record<string, unknown>>;
    };
    const text = JSON.stringify(document);

    it(`${source.name}: records its upstream and holds exactly the listed operations`, () => {
      const meta = document['x-contextcord-extract'];
      expect(meta.repository).toBe(source.repository);
      expect(meta.file).toBe(source.file);
      expect(meta.commit).toMatch(/^[0-9a-f]{40}$/);
      const held = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`));
      expect(held.sort()).toEqual(source.operations.map((op) => `${op.method} ${op.path}`).sort());
      expect(readFileSync(new URL(`vendor/${source.licenseFile}`, import.meta.url), 'utf8')).toMatch(/^(The )?MIT License/);
    });

    it(`${source.name}: every reference resolves, every component is referenced, no 3.0 \`nullable\` is left`, () => {
      const refs = new Set([...text.matchAll(/"\$ref":"#\/components\/([^/"]+)\/([^"]+)"/g)].map((m) => `${m[1] ?? ''}/${m[2] ?? ''}`));
      const defined = Object.entries(document.components).flatMap(([kind, group]) => Object.keys(group).map((name) => `${kind}/${name}`));
      expect([...refs].filter((ref) => !defined.includes(ref))).toEqual([]);
      expect(defined.filter((name) => !refs.has(name))).toEqual([]);
      expect(text).not.toContain('"nullable"');
    });
  }
});
