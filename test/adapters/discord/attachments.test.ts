import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Events, GatewayIntentBits, type Message } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttachmentClass,
  type AttachmentRules,
  classifyAttachment,
  MAX_IMAGE_BYTES,
  readAttachments,
  type ReadAttachmentsOptions,
} from '../../../src/adapters/discord/attachments.js';
import type { AttachmentNote } from '../../../src/engine/attachment-notes.js';
import { en } from '../../../src/presenters/en.js';
import { attachmentNoteText, formatBytes } from '../../../src/presenters/render.js';
import { FakeDiscord } from '../../fakes/fake-discord.js';

const KB = 1000;
const rules: AttachmentRules = { maxTextBytes: 100 * KB, vision: true };
/** Notes are codes; these tests hold them to their English words too. */
const say = (note: AttachmentNote): string => attachmentNoteText(en, note);
const worded = (result: AttachmentClass) => (result.kind === 'ignored' ? { kind: result.kind, note: say(result.note) } : result);

describe('classifyAttachment', () => {
  const text = (language: string): AttachmentClass => ({ kind: 'text', language });
  const image: AttachmentClass = { kind: 'image' };
  const cases: Array<[name: string, contentType: string | null, size: number, expected: AttachmentClass | RegExp]> = [
    ['notes.txt', 'text/plain; charset=utf-8', 10, text('')],
    ['notes.md', 'text/markdown; charset=utf-8', 10, text('md')],
    ['README', null, 10, text('')],
    ['Dockerfile', null, 10, text('')],
    ['server.log', null, 10, text('')],
    ['data.json', 'application/json; charset=utf-8', 10, text('json')],
    ['compose.yml', 'application/x-yaml', 10, text('yaml')],
    ['index.mjs', 'text/javascript', 10, text('js')],
    // MIME tables call .ts an MPEG transport stream; the extension wins, the content decides later.
    ['app.ts', 'video/mp2t', 10, text('ts')],
    ['main.rs', 'application/rls-services+xml', 10, text('rs')],
    ['lib.hpp', null, 10, text('cpp')],
    ['query', 'application/sql', 10, text('')],
    ['feed', 'application/atom+xml', 10, text('')],
    ['drawing.svg', 'image/svg+xml', 10, text('svg')],
    ['exactly.txt', 'text/plain', 100 * KB, text('')],
    ['big.log', 'text/plain', 300 * KB, /^big\.log was not read: it is 300 KB, and the most I read is 100 KB$/],
    ['edge.txt', 'text/plain', 100 * KB + 1, /^edge\.txt was not read: it is 100,001 bytes, and the most I read is 100,000 bytes$/],
    ['cat.png', 'image/png', 10, image],
    ['cat.JPG', null, 10, image],
    ['cat.jpeg', 'application/octet-stream', 10, image],
    ['anim.gif', 'image/gif', 10, image],
    ['photo.webp', 'image/webp', 10, image],
    ['huge.png', 'image/png', MAX_IMAGE_BYTES + 5_000_000, /^huge\.png was ignored: it is 25 MB, and images may be at most 20 MB$/],
    ['photo.heic', 'image/heic', 10, /^photo\.heic was ignored: I can see PNG, JPEG, GIF and WebP images only$/],
    ['report.pdf', 'application/pdf', 10, /^report\.pdf was ignored: I read only text files and images$/],
    ['archive.zip', 'application/zip', 10, /ignored: I read only text files and images/],
    ['mystery', null, 10, /^mystery was ignored/],
  ];
  it.each(cases)('%s (%s, %d bytes)', (name, contentType, size, expected) => {
    const result = classifyAttachment({ name, contentType, size }, rules);
    if (expected instanceof RegExp) {
      expect(result.kind).toBe('ignored');
      expect(result.kind === 'ignored' ? say(result.note) : '').toMatch(expected);
    } else {
      expect(result).toEqual(expected);
    }
  });

  it('ignores images without vision, saying what is read instead', () => {
    const off = { ...rules, vision: false };
    expect(worded(classifyAttachment({ name: 'cat.png', contentType: 'image/png', size: 10 }, off))).toEqual({
      kind: 'ignored',
      note: "cat.png was ignored: I can't see images here, only text files are read",
    });
    expect(classifyAttachment({ name: 'photo.heic', contentType: 'image/heic', size: 10 }, off)).toMatchObject({ kind: 'ignored' });
    expect(worded(classifyAttachment({ name: 'report.pdf', contentType: 'application/pdf', size: 10 }, off))).toEqual({
      kind: 'ignored',
      note: 'report.pdf was ignored: I read only text files',
    });
  });

  it('ignores text files when the cap is 0', () => {
    expect(worded(classifyAttachment({ name: 'a.txt', contentType: 'text/plain', size: 1 }, { maxTextBytes: 0, vision: false }))).toEqual({
      kind: 'ignored',
      note: 'a.txt was ignored: reading text files is turned off here',
    });
  });
});

describe('formatBytes', () => {
  it.each([
    [[999], ['999 bytes']],
    [[1000], ['1 KB']],
    [[1500], ['1.5 KB']],
    [[123_456], ['123 KB']],
    [[2_500_000], ['2.5 MB']],
    [[300_000, 100_000], ['300 KB', '100 KB']],
    [[100_040, 100_000], ['100,040 bytes', '100,000 bytes']],
  ])('%j → %j', (sizes, expected) => {
    expect(formatBytes('bytes', ...sizes)).toEqual(expected);
  });
});

// ---- reading, against a small local server ------------------------------------------------------

interface Served {
  status?: number;
  headers?: Record<string, string>;
  /** Sent whole; or `stream` sends chunks until the client goes away. */
  body?: string | Buffer;
  stream?: boolean;
  /** Headers only, then nothing. */
  hang?: boolean;
}

const routes = new Map<string, Served>([
  ['/notes.md', { body: '# Title\r\nbody line\r\n', headers: { 'content-type': 'text/markdown' } }],
  ['/fenced.md', { body: 'before\n```js\nx\n```\nafter\n' }],
  ['/bom.txt', { body: '\uFEFFhello' }],
  ['/exact.txt', { body: 'x'.repeat(1000) }],
  ['/declared.log', { body: 'x'.repeat(5000) }],
  ['/endless.log', { stream: true }],
  ['/binary.txt', { body: Buffer.from([0x68, 0x69, 0x00, 0x01]) }],
  ['/latin1.txt', { body: Buffer.from('caf\u00e9', 'latin1') }],
  ['/empty.txt', { body: ' \n' }],
  ['/missing.txt', { status: 404, body: 'Not Found' }],
  ['/broken.txt', { status: 500, body: 'oops' }],
  ['/slow.txt', { hang: true }],
]);

let server: Server;
let origin = '';
const hits: string[] = [];
let endlessClosed: Promise<void> = Promise.resolve();

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  hits.push(path);
  const served = routes.get(path) ?? { status: 404, body: 'Not Found' };
  if (served.hang === true) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    return;
  }
  if (served.stream === true) {
    // No content-length: only counting while reading can stop this one.
    res.writeHead(200, { 'content-type': 'text/plain' });
    endlessClosed = new Promise((resolve) => {
      const timer = setInterval(() => res.write('y'.repeat(512)), 1);
      res.on('close', () => {
        clearInterval(timer);
        resolve();
      });
    });
    return;
  }
  const body = served.body ?? '';
  res.writeHead(served.status ?? 200, { 'content-length': String(Buffer.byteLength(body)), ...served.headers }).end(body);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const options: ReadAttachmentsOptions = { maxTextBytes: 1000, vision: true, timeoutMs: 2000 };

function at(name: string, size = 10, contentType: string | null = null): { name: string; url: string; size: number; contentType: string | null } {
  return { name, url: `${origin}/${name}`, size, contentType };
}

describe('readAttachments', () => {
  it('reads text files into fenced blocks, in order, with CRLF and a BOM cleaned up', async () => {
    const read = await readAttachments([at('notes.md'), at('bom.txt'), at('exact.txt', 1000)], options);
    expect(read.text).toBe(
      `\n\n[attachment notes.md]\n\`\`\`md\n# Title\nbody line\n\`\`\`` +
        `\n\n[attachment bom.txt]\n\`\`\`\nhello\n\`\`\`` +
        `\n\n[attachment exact.txt]\n\`\`\`\n${'x'.repeat(1000)}\n\`\`\``,
    );
    expect(read.images).toEqual([]);
    expect(read.notes).toEqual([]);
  });

  it('fences a file that itself holds a fence with a longer one', async () => {
    const read = await readAttachments([at('fenced.md')], options);
    expect(read.text).toBe('\n\n[attachment fenced.md]\n````md\nbefore\n```js\nx\n```\nafter\n````');
  });

  it('refuses a file over the cap without downloading it, from its declared size', async () => {
    hits.length = 0;
    const read = await readAttachments([at('declared.log', 5000)], options);
    expect({ ...read, notes: read.notes.map(say) }).toEqual({ text: '', images: [], notes: ['declared.log was not read: it is 5 KB, and the most I read is 1 KB'] });
    expect(hits).toEqual([]);
  });

  it('refuses a file whose declared size was wrong, from Content-Length', async () => {
    const read = await readAttachments([at('declared.log', 10)], options);
    expect(read.notes.map(say)).toEqual(['declared.log was not read: it is 5 KB, and the most I read is 1 KB']);
    expect(read.text).toBe('');
  });

  it('stops reading past the cap when neither size can be trusted', async () => {
    const read = await readAttachments([at('endless.log', 10)], options);
    expect(read.notes.map(say)).toEqual(['endless.log was not read: it is larger than the 1 KB I read']);
    await endlessClosed; // the download was abandoned, not drained
  });

  it('refuses binary content and content that is not UTF-8', async () => {
    const read = await readAttachments([at('binary.txt'), at('latin1.txt'), at('empty.txt')], options);
    expect(read.text).toBe('');
    expect(read.notes.map(say)).toEqual([
      'binary.txt was ignored: it holds binary data, not text',
      'latin1.txt was ignored: it is not UTF-8 text',
      'empty.txt was ignored: it is empty',
    ]);
  });

  it('turns HTTP errors, timeouts and network failures into notes, not throws', async () => {
    const read = await readAttachments(
      [at('missing.txt'), at('broken.txt'), at('slow.txt'), { name: 'gone.txt', url: 'http://127.0.0.1:1/gone.txt', size: 3 }],
      { ...options, timeoutMs: 200 },
    );
    expect(read.notes.map(say)).toEqual([
      'missing.txt could not be read: the download failed with HTTP 404 Not Found',
      'broken.txt could not be read: the download failed with HTTP 500 Internal Server Error',
      'slow.txt could not be read: the download took longer than 0.2 s',
      'gone.txt could not be read: the download failed',
    ]);
    expect(read.text).toBe('');
  });

  it('keeps images by URL (not downloaded) with a marker for memory, only with vision', async () => {
    hits.length = 0;
    const files = [at('cat.png', 10, 'image/png'), at('notes.md'), at('report.pdf', 10, 'application/pdf')];
    const seeing = await readAttachments(files, options);
    expect(seeing.images).toEqual([{ url: `${origin}/cat.png`, name: 'cat.png' }]);
    expect(seeing.text).toMatch(/^\n\n\[image: cat\.png\]\n\n\[attachment notes\.md\]\n```md\n/);
    expect(seeing.notes.map(say)).toEqual(['report.pdf was ignored: I read only text files and images']);
    expect(hits).toEqual(['/notes.md']);

    const blind = await readAttachments(files, { ...options, vision: false });
    expect(blind.images).toEqual([]);
    expect(blind.text).not.toContain('[image:');
    expect(blind.notes.map(say)).toEqual([
      "cat.png was ignored: I can't see images here, only text files are read",
      'report.pdf was ignored: I read only text files',
    ]);
  });

  it('uses the fetch it is given', async () => {
    const calls: string[] = [];
    const fakeFetch: typeof fetch = (input) => {
      calls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return Promise.resolve(new Response('from the stub'));
    };
    const read = await readAttachments([{ name: 'a.txt', url: 'https://cdn.example/a.txt', size: 13 }], { ...options, fetch: fakeFetch });
    expect(calls).toEqual(['https://cdn.example/a.txt']);
    expect(read.text).toBe('\n\n[attachment a.txt]\n```\nfrom the stub\n```');
  });

  it('with no attachments has nothing to add', async () => {
    expect(await readAttachments([], options)).toEqual({ text: '', images: [], notes: [] });
  });
});

describe('readAttachments on discord.js attachments from the fake Discord CDN', () => {
  it('reads what a user attached to a message', async () => {
    const discord = await FakeDiscord.start();
    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
      rest: { api: discord.apiUrl },
    });
    try {
      discord.addGuild({ id: '1100000000000000001', name: 'g', channels: [{ id: '1100000000000000010', name: 'general' }] });
      await new Promise<void>((resolve, reject) => {
        client.once(Events.ClientReady, () => resolve());
        client.login(discord.token).catch(reject);
      });
      const arrived = new Promise<Message>((resolve) => client.once(Events.MessageCreate, resolve));
      await discord.userMessage({
        channelId: '1100000000000000010',
        author: { id: '1200000000000000001', username: 'ada' },
        content: 'what does this do?',
        mentionBot: true,
        attachments: [
          { filename: 'main.py', content: 'print("hi")\n' },
          { filename: 'cat.png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
          { filename: 'huge.log', content: 'z'.repeat(2000) },
        ],
      });
      const message = await arrived;
      const read = await readAttachments(message.attachments.values(), options);
      expect(read.text).toBe(`\n\n[attachment main.py]\n\`\`\`py\nprint("hi")\n\`\`\`\n\n[image: cat.png]`);
      expect(read.images).toEqual([{ url: message.attachments.at(1)?.url, name: 'cat.png' }]);
      expect(read.notes.map(say)).toEqual(['huge.log was not read: it is 2 KB, and the most I read is 1 KB']);
    } finally {
      await client.destroy();
      await discord.close();
    }
  });
});
