/**
 * Files attached to a message that asks the bot something. Text files up to a size cap are read
 * into the question, images are handed to the model (when vision is on) by URL, and everything
 * else is named in a note, so the person always learns what was and was not seen. Notes are codes
 * with details (src/engine/attachment-notes.ts); the presenter words them in the reader's language.
 */
import type { ReadableStream } from 'node:stream/web';
import { isUserError, userError } from '../../domain/errors.js';
import type { AttachmentNote } from '../../engine/attachment-notes.js';

/** What Discord tells us about an attachment; discord.js's `Attachment` fits as it is. */
export interface AttachmentInfo {
  readonly name: string;
  /** Bytes, as Discord declares them. */
  readonly size: number;
  /** As Discord reports it, e.g. `text/plain; charset=utf-8`; null when Discord does not know. */
  readonly contentType?: string | null | undefined;
}

export interface FetchableAttachment extends AttachmentInfo {
  /** The CDN URL (signed, valid for about a day on Discord). */
  readonly url: string;
}

export interface AttachmentRules {
  /** Largest text file read, in bytes; 0 turns text files off. */
  readonly maxTextBytes: number;
  /** Whether images are passed to the model. */
  readonly vision: boolean;
}

export interface ReadAttachmentsOptions extends AttachmentRules {
  /** How long one download may take, in milliseconds. */
  readonly timeoutMs: number;
  /** Defaults to Node's global fetch. */
  readonly fetch?: typeof fetch;
}

export type AttachmentClass =
  | { readonly kind: 'text'; readonly language: string }
  | { readonly kind: 'image' }
  /** `note` says why, for the person who sent the file. */
  | { readonly kind: 'ignored'; readonly note: AttachmentNote };

export interface ReadAttachments {
  /**
   * To append to the question's content: one block per text file read
   * ("\n\n[attachment notes.md]\n```md\n…\n```") and one marker per image kept ("\n\n[image: cat.png]").
   * This is what history stores, so memory stays text after the image URLs expire.
   */
  readonly text: string;
  /** Images for this request only, in attachment order. */
  readonly images: ReadonlyArray<{ readonly url: string; readonly name: string }>;
  /** One per attachment that was not used, and why. */
  readonly notes: readonly AttachmentNote[];
}

/**
 * Largest image passed to the model: OpenAI's documented per-image limit. The model server, not
 * the bot, downloads images, so a larger one would fail the whole request instead of one file.
 */
export const MAX_IMAGE_BYTES = 20_000_000;

/** The image formats OpenAI-compatible vision models accept. */
const IMAGE_TYPES = new Map([
  ['image/png', 'png'],
  ['image/jpeg', 'jpeg'],
  ['image/jpg', 'jpeg'],
  ['image/gif', 'gif'],
  ['image/webp', 'webp'],
]);
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp']);

/** Extensions read as text whatever the content type says (MIME tables call `.ts` video/mp2t). */
const TEXT_EXTENSIONS = new Set([
  'txt', 'text', 'md', 'markdown', 'mdx', 'rst', 'adoc', 'tex', 'csv', 'tsv', 'log', 'diff', 'patch',
  'json', 'jsonc', 'json5', 'ndjson', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'env', 'properties',
  'xml', 'svg', 'html', 'htm', 'css', 'scss', 'sass', 'less',
  'js', 'mjs', 'cjs', 'ts', 'mts', 'cts', 'tsx', 'jsx', 'vue', 'svelte', 'astro',
  'py', 'pyi', 'rb', 'go', 'rs', 'java', 'kt', 'kts', 'groovy', 'gradle', 'scala', 'clj', 'cljs',
  'c', 'h', 'cc', 'cpp', 'cxx', 'hpp', 'hh', 'cs', 'fs', 'vb', 'm', 'mm', 'swift', 'dart', 'zig', 'nim',
  'php', 'pl', 'pm', 'r', 'jl', 'lua', 'ex', 'exs', 'erl', 'hs', 'ml', 'elm',
  'sh', 'bash', 'zsh', 'fish', 'ps1', 'bat', 'cmd', 'sql', 'graphql', 'gql', 'proto', 'tf', 'hcl', 'nix',
  'dockerfile', 'makefile', 'cmake', 'gitignore', 'editorconfig',
]);
/** Files known by their whole name rather than an extension. */
const TEXT_NAMES = new Set(['dockerfile', 'makefile', 'license', 'readme', 'changelog', 'gemfile', 'procfile']);

const TEXT_CONTENT_TYPES = new Set([
  'application/json', 'application/xml', 'application/javascript', 'application/ecmascript',
  'application/x-javascript', 'application/typescript', 'application/x-typescript', 'application/yaml',
  'application/x-yaml', 'application/toml', 'application/sql', 'application/graphql', 'application/x-sh',
  'application/x-shellscript', 'application/x-httpd-php', 'application/x-python', 'application/x-ndjson',
  'image/svg+xml',
]);

/** Fence languages where the extension is not one highlighters know; plain text gets none. */
const LANGUAGE = new Map([
  ['txt', ''], ['text', ''], ['log', ''], ['yml', 'yaml'], ['mjs', 'js'], ['cjs', 'js'], ['mts', 'ts'],
  ['cts', 'ts'], ['htm', 'html'], ['h', 'c'], ['hh', 'cpp'], ['cc', 'cpp'], ['cxx', 'cpp'], ['hpp', 'cpp'],
  ['pyi', 'py'], ['kts', 'kt'], ['pm', 'pl'], ['jsonc', 'json'], ['json5', 'json'], ['ndjson', 'json'],
]);

/** Classifies an attachment without downloading it. Pure. */
export function classifyAttachment(attachment: AttachmentInfo, rules: AttachmentRules): AttachmentClass {
  const { name, size } = attachment;
  const type = mediaType(attachment.contentType);
  const extension = extensionOf(name);

  const untyped = type === '' || type === 'application/octet-stream';
  if (IMAGE_TYPES.has(type) || (untyped && IMAGE_EXTENSIONS.has(extension))) {
    if (!rules.vision) return ignored({ code: 'images_off', name });
    if (size > MAX_IMAGE_BYTES) return ignored({ code: 'image_too_big', name, size, max: MAX_IMAGE_BYTES });
    return { kind: 'image' };
  }

  const textual =
    TEXT_EXTENSIONS.has(extension) ||
    TEXT_NAMES.has(name.toLowerCase()) ||
    type.startsWith('text/') ||
    TEXT_CONTENT_TYPES.has(type) ||
    /\+(json|xml|yaml)$/.test(type);
  if (textual) {
    if (rules.maxTextBytes <= 0) return ignored({ code: 'text_off', name });
    if (size > rules.maxTextBytes) return ignored({ code: 'too_big', name, size, max: rules.maxTextBytes });
    return { kind: 'text', language: LANGUAGE.get(extension) ?? extension };
  }

  if (type.startsWith('image/')) {
    return ignored({ code: rules.vision ? 'image_format' : 'images_off', name });
  }
  return ignored({ code: 'unsupported', name, vision: rules.vision });
}

/**
 * Reads a message's attachments: text files are downloaded (within the size cap, which is
 * enforced again while reading in case the declared size was wrong) and decoded as UTF-8, images
 * are kept by URL when vision is on. Never throws for a bad file: each one that is not used gets
 * a note instead, and changes nothing else.
 */
export async function readAttachments(
  attachments: Iterable<FetchableAttachment>,
  options: ReadAttachmentsOptions,
): Promise<ReadAttachments> {
  const doFetch = options.fetch ?? fetch;
  const results = await Promise.all(
    [...attachments].map(async (attachment): Promise<{ text?: string; image?: { url: string; name: string }; note?: AttachmentNote }> => {
      const kind = classifyAttachment(attachment, options);
      switch (kind.kind) {
        case 'ignored':
          return { note: kind.note };
        case 'image':
          return { text: `\n\n[image: ${attachment.name}]`, image: { url: attachment.url, name: attachment.name } };
        case 'text': {
          const read = await downloadText(attachment, options.maxTextBytes, options.timeoutMs, doFetch);
          return 'note' in read ? read : { text: textBlock(attachment.name, kind.language, read.text) };
        }
      }
    }),
  );
  return {
    text: results.map((r) => r.text ?? '').join(''),
    images: results.flatMap((r) => (r.image === undefined ? [] : [r.image])),
    notes: results.flatMap((r) => (r.note === undefined ? [] : [r.note])),
  };
}

/** The block a text file becomes in the question; the fence outgrows any backtick run inside. */
export function textBlock(name: string, language: string, text: string): string {
  let longestRun = 0;
  for (const run of text.matchAll(/`+/g)) longestRun = Math.max(longestRun, run[0].length);
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `\n\n[attachment ${name}]\n${fence}${language}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

async function downloadText(
  attachment: FetchableAttachment,
  maxBytes: number,
  timeoutMs: number,
  doFetch: typeof fetch,
): Promise<{ text: string } | { note: AttachmentNote }> {
  const { name } = attachment;
  let bytes: Uint8Array;
  try {
    const response = await doFetch(attachment.url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return { note: { code: 'download_failed', name, status: response.status, statusText: response.statusText } };
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
      return { note: { code: 'too_big', name, size: declared, max: maxBytes } };
    }
    const body = await readCapped(response, maxBytes);
    if (body === undefined) return { note: { code: 'over_cap', name, max: maxBytes } };
    bytes = body;
  } catch (error) {
    if (errorName(error) === 'TimeoutError') return { note: { code: 'download_timeout', name, timeoutMs } };
    return { note: { code: 'download_failed', name } };
  }

  if (bytes.includes(0)) return { note: { code: 'binary', name } };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { note: { code: 'not_utf8', name } };
  }
  text = text.replace(/\r\n?/g, '\n');
  if (text.trim() === '') return { note: { code: 'empty', name } };
  return { text };
}

/** The body, or undefined as soon as it passes `maxBytes` (the rest is not downloaded). */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  if (response.body === null) return new Uint8Array();
  // Node's typings leave fetch bodies untyped; they are byte streams.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

function ignored(note: AttachmentNote): AttachmentClass {
  return { kind: 'ignored', note };
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : undefined;
}

/**
 * Downloads a file given to /import, within `maxBytes` (the declared size is checked first, and
 * the download stops as soon as it passes the bound, in case the declaration was wrong). Refuses
 * with bad_import (too_big, download_failed); the text is decoded as UTF-8 for the parser.
 */
export async function downloadImportFile(
  attachment: FetchableAttachment,
  options: { readonly maxBytes: number; readonly timeoutMs: number; readonly fetch?: typeof fetch },
): Promise<{ text: string; size: number }> {
  const { maxBytes } = options;
  if (attachment.size > maxBytes) throw userError('bad_import', { problem: 'too_big', size: attachment.size, max: maxBytes });
  let body: Uint8Array | undefined;
  try {
    const response = await (options.fetch ?? fetch)(attachment.url, { signal: AbortSignal.timeout(options.timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      throw userError('bad_import', { problem: 'download_failed' });
    }
    body = await readCapped(response, maxBytes);
  } catch (error) {
    if (isUserError(error)) throw error;
    throw userError('bad_import', { problem: 'download_failed' });
  }
  if (body === undefined) throw userError('bad_import', { problem: 'too_big', size: maxBytes + 1, max: maxBytes });
  return { text: new TextDecoder('utf-8').decode(body), size: body.byteLength };
}
