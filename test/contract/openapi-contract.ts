/**
 * Holds HTTP exchanges to an API's own machine-readable description: the extracts in vendor/,
 * cut from Discord's and OpenAI's OpenAPI documents by scripts/extract-openapi.ts.
 *
 * For one exchange it checks, in that order: that the route and method are an operation of the
 * extract (a route without one is a problem, not a pass: the bot calls something nobody checked),
 * the path and query parameters, the request body against the schema of its content type, the
 * status against the documented responses, the documented response headers, and the response
 * body, or each event of a server-sent stream, against the schema of its content type.
 *
 * Schemas are compiled lazily by JSON pointer into the extract with ajv (JSON Schema 2020-12,
 * which OpenAPI 3.1 uses), strict, so a keyword the validator does not know fails loudly instead
 * of being skipped.
 */
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { z } from 'zod';

export interface Exchange {
  method: string;
  /** After the API's version prefix (`/api/v10`, `/v1`), percent-decoded. */
  path: string;
  query: URLSearchParams;
  requestContentType: string | undefined;
  /** Parsed JSON (for multipart, Discord's `payload_json`); undefined when there was none. */
  requestBody: unknown;
  /** 0 when no response was sent (the connection was dropped): only the request is checked. */
  status: number;
  responseHeaders: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON; undefined when there was none. */
  responseBody: unknown;
  /** For `text/event-stream`: each event's parsed `data`, without `[DONE]`. */
  events?: readonly unknown[] | undefined;
}

export interface ContractOptions {
  /**
   * Component schema for an error status the operation does not list. OpenAI documents only 200
   * and 429 for POST /chat/completions, yet answers every error with the same `{ error }` body,
   * which its SDK parses for all of them; without this, a 400 or a 500 could not be checked at all.
   */
  readonly undocumentedErrorSchema?: string;
  /**
   * Component schema for a stream event that is an error instead of a chunk (`data: {"error": …}`),
   * which OpenAI sends mid-stream but its description does not model.
   */
  readonly streamErrorSchema?: string;
  /** Known, documented differences between the description and the real API (see deviations.ts). */
  readonly deviations?: readonly Deviation[];
}

/** A correction applied to the extract before compiling, with the evidence for it. */
export interface Deviation {
  readonly name: string;
  /** Why the description is wrong and how we know; shown if the patch no longer applies. */
  readonly evidence: string;
  /** Mutates the document; throws if upstream no longer has the shape it corrects. */
  apply(document: Record<string, unknown>): void;
}

const refSchema = z.object({ $ref: z.string() });
const mediaTypes = z.record(z.string(), z.object({ schema: z.unknown() }).loose());
const parameterSchema = z.object({
  name: z.string(),
  in: z.enum(['path', 'query', 'header', 'cookie']),
  required: z.boolean().optional(),
  schema: z.unknown(),
});
const headerSchema = z.object({ schema: z.unknown(), required: z.boolean().optional() }).loose();
const responseSchema = z
  .object({ content: mediaTypes.optional(), headers: z.record(z.string(), z.union([refSchema, headerSchema])).optional() })
  .loose();
const operationSchema = z
  .object({
    operationId: z.string().optional(),
    parameters: z.array(parameterSchema).optional(),
    requestBody: z.object({ required: z.boolean().optional(), content: mediaTypes }).optional(),
    responses: z.record(z.string(), z.union([refSchema, responseSchema])),
  })
  .loose();
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;
const extractSchema = z.object({
  'x-contextcord-extract': z.object({ repository: z.string(), commit: z.string(), file: z.string() }).loose(),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z
    .object({
      schemas: z.record(z.string(), z.unknown()),
      responses: z.record(z.string(), responseSchema).optional(),
      headers: z.record(z.string(), headerSchema).optional(),
    })
    .loose(),
});

type Operation = z.infer<typeof operationSchema>;
type ResponseObject = z.infer<typeof responseSchema>;

interface Route {
  template: string;
  segments: string[];
  /** Literal segments count: `/messages/@original` beats `/messages/{message_id}`. */
  literals: number;
  operations: Map<string, Operation>;
}

/** JSON Pointer escaping of one reference token. */
function pointer(...tokens: string[]): string {
  return tokens.map((t) => `/${t.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** The media type without parameters: `text/event-stream; charset=utf-8` → `text/event-stream`. */
function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  const lines = (errors ?? []).slice(0, 12).map((e) => {
    const params = 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : '';
    return `${e.instancePath || '(root)'} ${e.message ?? e.keyword}${params} [schema ${e.schemaPath}]`;
  });
  const more = (errors?.length ?? 0) > 12 ? `; and ${String((errors?.length ?? 0) - 12)} more` : '';
  return lines.join('; ') + more;
}

export class ApiContract {
  /** Where the extract came from, for messages: `repository@commit file`. */
  readonly source: string;
  readonly #id: string;
  readonly #ajv: InstanceType<typeof Ajv2020.default>;
  readonly #routes: Route[];
  readonly #responses: Record<string, ResponseObject>;
  readonly #headers: Record<string, z.infer<typeof headerSchema>>;
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #options: ContractOptions;
  /** How often each operation (`POST /channels/{channel_id}/messages`) was checked. */
  readonly seen = new Map<string, number>();
  /** Server-sent events checked, error events included. */
  eventsChecked = 0;

  constructor(name: string, document: Record<string, unknown>, options: ContractOptions = {}) {
    for (const deviation of options.deviations ?? []) {
      try {
        deviation.apply(document);
      } catch (error) {
        throw new Error(`Deviation "${deviation.name}" no longer applies to the ${name} extract; remove it if upstream fixed it (${deviation.evidence})`, { cause: error });
      }
    }
    const doc = extractSchema.parse(document);
    const meta = doc['x-contextcord-extract'];
    this.source = `${meta.repository}@${meta.commit.slice(0, 12)} ${meta.file}`;
    this.#id = `urn:contextcord:contract:${name}`;
    this.#options = options;
    this.#responses = doc.components.responses ?? {};
    this.#headers = doc.components.headers ?? {};
    this.#routes = Object.entries(doc.paths).map(([template, item]) => {
      const segments = template.split('/').filter(Boolean);
      const operations = new Map<string, Operation>();
      for (const method of METHODS) {
        if (item[method] !== undefined) operations.set(method.toUpperCase(), operationSchema.parse(item[method]));
      }
      return { template, segments, literals: segments.filter((s) => !s.startsWith('{')).length, operations };
    });
    this.#ajv = new Ajv2020.default({ strict: true, allErrors: true });
    addFormats.default(this.#ajv);
    // Formats the descriptions use beyond ajv-formats'. Each value's limits are in the schema
    // itself (pattern, maxLength, type), so the format only has to be known.
    this.#ajv.addFormat('snowflake', /^(0|[1-9][0-9]*)$/);
    this.#ajv.addFormat('nonce', { type: 'string', validate: () => true });
    this.#ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    // The extract is an OpenAPI document, not a schema: its top-level keys are not keywords.
    this.#ajv.addVocabulary(['openapi', 'info', 'paths', 'components', 'x-contextcord-extract']);
    this.#ajv.addSchema(document, this.#id);
  }

  static load(name: string, file: URL, options: ContractOptions = {}): ApiContract {
    const document: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new Error(`${file.pathname} is not a JSON object`);
    return new ApiContract(name, document as Record<string, unknown>, options);
  }

  /** The operations the extract describes, `METHOD /template`. */
  operations(): string[] {
    return this.#routes.flatMap((route) => [...route.operations.keys()].map((method) => `${method} ${route.template}`));
  }

  /** Problems with one exchange, each naming the operation and what is wrong; empty when it conforms. */
  check(exchange: Exchange): string[] {
    const method = exchange.method.toUpperCase();
    const label = `${method} ${exchange.path} → ${String(exchange.status)}`;
    const found = this.#route(method, exchange.path);
    if (found === undefined) {
      return [`${label}: no operation for this route in the extract of ${this.source}; add it to scripts/extract-openapi.ts and refresh`];
    }
    const { route, operation, params } = found;
    const key = `${method} ${route.template}`;
    this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
    const base = pointer('paths', route.template, method.toLowerCase());
    const problems: string[] = [];
    const at = (what: string, message: string): void => {
      problems.push(`${key} (${label}) ${what}: ${message}`);
    };

    this.#checkParameters(operation, base, params, exchange.query, at);
    this.#checkRequestBody(operation, base, exchange, at);
    if (exchange.status !== 0) this.#checkResponse(operation, base, exchange, at);
    return problems;
  }

  #route(method: string, path: string): { route: Route; operation: Operation; params: Map<string, string> } | undefined {
    const actual = path.split('/').filter(Boolean);
    const candidates = this.#routes
      .filter((r) => r.segments.length === actual.length && r.segments.every((s, i) => s.startsWith('{') || s === actual[i]))
      .sort((a, b) => b.literals - a.literals);
    const route = candidates.find((r) => r.operations.has(method));
    const operation = route?.operations.get(method);
    if (route === undefined || operation === undefined) return undefined;
    const params = new Map<string, string>();
    route.segments.forEach((s, i) => {
      if (s.startsWith('{')) params.set(s.slice(1, -1), actual[i] ?? '');
    });
    return { route, operation, params };
  }

  #checkParameters(
    operation: Operation,
    base: string,
    pathParams: ReadonlyMap<string, string>,
    query: URLSearchParams,
    at: (what: string, message: string) => void,
  ): void {
    const declared = operation.parameters ?? [];
    declared.forEach((parameter, index) => {
      const where = `${base}${pointer('parameters', String(index), 'schema')}`;
      const raw = parameter.in === 'path' ? pathParams.get(parameter.name) : parameter.in === 'query' ? query.get(parameter.name) ?? undefined : undefined;
      if (parameter.in !== 'path' && parameter.in !== 'query') return;
      if (raw === undefined) {
        if (parameter.required === true) at(`${parameter.in} parameter ${parameter.name}`, 'is required but missing');
        return;
      }
      const problem = this.#validateText(where, raw);
      if (problem !== undefined) at(`${parameter.in} parameter ${parameter.name}=${raw}`, problem);
    });
    for (const name of new Set(query.keys())) {
      if (!declared.some((p) => p.in === 'query' && p.name === name)) at(`query parameter ${name}`, 'is not a parameter of this operation');
    }
  }

  #checkRequestBody(operation: Operation, base: string, exchange: Exchange, at: (what: string, message: string) => void): void {
    const spec = operation.requestBody;
    if (exchange.requestBody === undefined) {
      if (spec?.required === true) at('request body', 'is required but the request had none');
      return;
    }
    if (spec === undefined) {
      at('request body', 'was sent, but the operation takes none');
      return;
    }
    const type = mediaType(exchange.requestContentType) ?? '';
    if (spec.content[type] === undefined) {
      at('request body', `content type ${type || '(none)'} is not one of ${Object.keys(spec.content).join(', ')}`);
      return;
    }
    const problem = this.#validate(`${base}${pointer('requestBody', 'content', type, 'schema')}`, exchange.requestBody);
    if (problem !== undefined) at('request body', problem);
  }

  #checkResponse(operation: Operation, base: string, exchange: Exchange, at: (what: string, message: string) => void): void {
    const status = String(exchange.status);
    const code = [status, `${status[0] ?? ''}XX`, 'default'].find((c) => operation.responses[c] !== undefined);
    let response: ResponseObject | undefined;
    let schemaBase: string | undefined;
    if (code !== undefined) {
      const declared = operation.responses[code];
      const ref = refSchema.safeParse(declared);
      if (ref.success) {
        const name = /^#\/components\/responses\/(.+)$/.exec(ref.data.$ref)?.[1] ?? '';
        response = this.#responses[name];
        schemaBase = pointer('components', 'responses', name);
        if (response === undefined) throw new Error(`${ref.data.$ref} is not in the extract of ${this.source}`);
      } else {
        response = responseSchema.parse(declared);
        schemaBase = `${base}${pointer('responses', code)}`;
      }
    } else if (exchange.status >= 400 && this.#options.undocumentedErrorSchema !== undefined) {
      const problem = this.#validate(this.#options.undocumentedErrorSchema, exchange.responseBody);
      if (problem !== undefined) at(`error body (status ${status}, checked as ${this.#options.undocumentedErrorSchema})`, problem);
      return;
    } else {
      at('status', `${status} is not a documented response (documented: ${Object.keys(operation.responses).join(', ')})`);
      return;
    }

    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const ref = refSchema.safeParse(header);
      const resolved = ref.success ? this.#headers[ref.data.$ref.replace('#/components/headers/', '')] : headerSchema.parse(header);
      const where = ref.success ? ref.data.$ref.slice(1) : `${schemaBase}${pointer('headers', name)}`;
      const value = exchange.responseHeaders[name.toLowerCase()];
      if (value === undefined) {
        if (resolved?.required === true) at(`response header ${name}`, 'is required but missing');
        continue;
      }
      const problem = this.#validateText(`${where}/schema`, value);
      if (problem !== undefined) at(`response header ${name}: ${value}`, problem);
    }

    const content = response.content;
    if (content === undefined) {
      if (exchange.responseBody !== undefined || (exchange.events?.length ?? 0) > 0) at('response body', `status ${status} has no body in the description, but one was sent`);
      return;
    }
    const type = mediaType(exchange.responseHeaders['content-type']) ?? '';
    if (content[type] === undefined) {
      at('response body', `content type ${type || '(none)'} is not one of ${Object.keys(content).join(', ')}`);
      return;
    }
    const where = `${schemaBase}${pointer('content', type, 'schema')}`;
    if (type === 'text/event-stream') {
      (exchange.events ?? []).forEach((event, i) => {
        this.eventsChecked++;
        const isError = typeof event === 'object' && event !== null && 'error' in event && this.#options.streamErrorSchema !== undefined;
        const problem = this.#validate(isError ? (this.#options.streamErrorSchema ?? where) : where, event);
        if (problem !== undefined) at(`stream event ${String(i)}${isError ? ' (an error event)' : ''}`, problem);
      });
      return;
    }
    if (exchange.responseBody === undefined) {
      at('response body', `is missing; the description says ${type}`);
      return;
    }
    const problem = this.#validate(where, exchange.responseBody);
    if (problem !== undefined) at('response body', problem);
  }

  /** A parameter or header arrives as text: it passes as the string, or as the JSON it spells (`true`, `5`). */
  #validateText(where: string, raw: string): string | undefined {
    const asString = this.#validate(where, raw);
    if (asString === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return asString;
    }
    return typeof parsed === 'string' ? asString : this.#validate(where, parsed);
  }

  /** `where` is a JSON Pointer into the extract (or `#/…`); undefined when `value` conforms. */
  #validate(where: string, value: unknown): string | undefined {
    const fragment = where.startsWith('#') ? where.slice(1) : where;
    let validate = this.#validators.get(fragment);
    if (validate === undefined) {
      const compiled = this.#ajv.getSchema(`${this.#id}#${fragment}`);
      if (compiled === undefined) throw new Error(`No schema at #${fragment} in the extract of ${this.source}`);
      validate = compiled;
      this.#validators.set(fragment, validate);
    }
    return validate(value) ? undefined : describeErrors(validate.errors);
  }
}
