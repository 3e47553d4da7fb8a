/**
 * The two contracts the fakes and the bot are held to, and a recorder that plugs into the fakes'
 * `observe` hooks and checks every exchange as it happens.
 */
import type { ObservedExchange } from '../fakes/fake-discord.js';
import type { ObservedOpenAIExchange } from '../fakes/fake-openai.js';
import { ApiContract, type Deviation, type Exchange } from './openapi-contract.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks `keys` from `root` to an object, or throws naming where the path broke. */
function objectAt(root: unknown, keys: readonly string[]): Record<string, unknown> {
  let node: unknown = root;
  for (const [i, key] of keys.entries()) {
    if (!isRecord(node)) throw new Error(`${keys.slice(0, i).join('.')} is not an object`);
    node = node[key];
  }
  if (!isRecord(node)) throw new Error(`${keys.join('.')} is not an object`);
  return node;
}

/**
 * Where Discord's description is stricter than Discord. Each entry says how we know, and fails
 * to apply (failing every contract test) once upstream changes the shape it corrects.
 */
export const DISCORD_DEVIATIONS: readonly Deviation[] = [
  {
    name: 'a rate-limit body need not carry `code`',
    evidence:
      "Discord's rate-limit docs list `code` as optional ('An error code for some limits'), discord-api-types types it `code?`, and " +
      'per-route 429s carry only message, retry_after and global (discord/discord-api-spec#24); the description builds ' +
      'RatelimitedResponse on Error, which requires it',
    apply(document) {
      const schema = objectAt(document, ['components', 'schemas', 'RatelimitedResponse']);
      const allOf = schema['allOf'];
      const base: unknown = Array.isArray(allOf) ? allOf[0] : undefined;
      if (!Array.isArray(allOf) || !isRecord(base) || base['$ref'] !== '#/components/schemas/Error') {
        throw new Error('RatelimitedResponse no longer starts with allOf: [{ $ref: Error }]');
      }
      allOf[0] = {
        type: 'object',
        properties: { code: { type: 'integer' }, message: { type: 'string' } },
        required: ['message'],
      };
    },
  },
  {
    name: 'a field error carries a string code',
    evidence:
      "Discord's docs' example error response has `\"_errors\": [{ \"code\": \"BASE_TYPE_REQUIRED\", … }]`, discord-api-types " +
      'types a field error as RESTErrorFieldInformation { code: string; message: string }, and discord.js prints those codes ' +
      "as text; the description's InnerErrors reuses Error, whose code is the integer of the error as a whole",
    apply(document) {
      const errors = objectAt(document, ['components', 'schemas', 'InnerErrors', 'properties', '_errors']);
      const items = errors['items'];
      if (!isRecord(items) || items['$ref'] !== '#/components/schemas/Error') throw new Error('InnerErrors._errors no longer holds Error items');
      errors['items'] = {
        type: 'object',
        properties: { code: { type: 'string' }, message: { type: 'string' } },
        required: ['code', 'message'],
      };
    },
  },
  {
    name: 'default_member_permissions may be a string of digits',
    evidence:
      "Discord's application command docs type default_member_permissions as '?string' (a permission bit set, like every " +
      'permissions field), discord-api-types and discord.js send it as one, and the description itself returns it as a ' +
      'string in ApplicationCommandResponse; only ApplicationCommandUpdateRequest says integer',
    apply(document) {
      const properties = objectAt(document, ['components', 'schemas', 'ApplicationCommandUpdateRequest', 'properties']);
      const field = properties['default_member_permissions'];
      if (!isRecord(field) || JSON.stringify(field['type']) !== '["integer","null"]') {
        throw new Error('ApplicationCommandUpdateRequest.default_member_permissions is no longer typed ["integer","null"]');
      }
      properties['default_member_permissions'] = { anyOf: [field, { type: 'string', pattern: '^[0-9]{1,20}$' }] };
    },
  },
];

const VENDOR = new URL('./vendor/', import.meta.url);

export function discordContract(): ApiContract {
  return ApiContract.load('discord', new URL('discord-openapi.extract.json', VENDOR), { deviations: DISCORD_DEVIATIONS });
}

export function openaiContract(): ApiContract {
  return ApiContract.load('openai', new URL('openai-openapi.extract.json', VENDOR), {
    undocumentedErrorSchema: '#/components/schemas/ErrorResponse',
    streamErrorSchema: '#/components/schemas/ErrorResponse',
  });
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function fromDiscord(observed: ObservedExchange): Exchange {
  const { request, response } = observed;
  return {
    method: request.method,
    path: request.path,
    query: request.query,
    requestContentType: firstHeader(request.headers['content-type']),
    requestBody: request.body,
    status: response.status,
    responseHeaders: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v])),
    responseBody: response.body,
  };
}

export function fromOpenAI(observed: ObservedOpenAIExchange): Exchange {
  return {
    method: observed.method,
    path: observed.path,
    query: new URLSearchParams(),
    requestContentType: observed.requestContentType,
    requestBody: observed.requestBody,
    status: observed.status,
    responseHeaders: observed.responseHeaders,
    responseBody: observed.body,
    events: observed.events,
  };
}

/** Checks every exchange the fakes report; tests assert `problems` is empty and read `seen`. */
export class ContractRecorder {
  readonly discord = discordContract();
  readonly openai = openaiContract();
  readonly problems: string[] = [];

  readonly observeDiscord = (observed: ObservedExchange): void => {
    this.problems.push(...this.discord.check(fromDiscord(observed)));
  };

  readonly observeOpenAI = (observed: ObservedOpenAIExchange): void => {
    this.problems.push(...this.openai.check(fromOpenAI(observed)));
  };

  /** Operations checked so far, `METHOD /template`. */
  seenOperations(): string[] {
    return [...this.discord.seen.keys(), ...this.openai.seen.keys()].sort();
  }
}
