import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ada, GENERAL, RANDOM, World } from '../e2e/harness.js';
import { FakeOpenAI } from '../fakes/fake-openai.js';
import { tempDir } from '../helpers/temp.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = join(root, 'src/terminal/main.ts');
const loader = join(root, 'node_modules/tsx/dist/loader.mjs');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run chat` as a pipe: the lines on stdin, no terminal, no Discord token in the environment. */
function chat(lines: readonly string[], env: Record<string, string>, args: readonly string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', loader, entry, ...args], {
      cwd: env['CWD'] ?? root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(lines.map((l) => `${l}\n`).join(''));
  });
}

describe('npm run chat, piped', () => {
  let openai: FakeOpenAI;
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    openai = await FakeOpenAI.start();
    dir = tempDir();
    env = {
      CWD: dir.path,
      OPENAI_API_KEY: 'sk-terminal-test-key',
      OPENAI_BASE_URL: openai.baseURL,
      OPENAI_MAX_RETRIES: '0',
      STORE_URL: `sqlite://${join(dir.path, 'chat.sqlite')}`,
    };
  });
  afterEach(async () => {
    await openai.close();
    dir.cleanup();
  });

  it('prints only answers and results, keeps memory in the store, and exits 0 when all went well', async () => {
    openai.setResponder((req) => `answer ${String(req.body.messages.length)}`);
    const first = await chat(['hello there', 'and again', '/history', '/pin 0', '/limit'], env, ['--name', 'Ada']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const out = first.stdout.split('\n');
    expect(out.slice(0, 2)).toEqual(['answer 2', 'answer 4']);
    expect(first.stdout).toContain('Memory: 4 messages (0 pinned), limit 100');
    expect(first.stdout).toMatch(/\s0 Ada: hello there/);
    expect(first.stdout).toContain('Pinned 0.');
    expect(first.stdout).toContain('This session keeps at most 100 messages; it holds 4 now (1 pinned).');
    // The model saw the speaker's name, as in a Discord channel.
    expect(openai.requests[0]?.body.messages.at(-1)).toMatchObject({ role: 'user', content: 'Ada: hello there' });

    // A second run on the same store continues the same session.
    const second = await chat(['/rollback', '/history'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Rolled back 1 round (2 messages):');
    expect(second.stdout).toContain('Memory: 2 messages (1 pinned)');
  });

  it('a failed command says why on stderr, changes nothing, and the run exits 1', async () => {
    const run = await chat(['hi', '/rollback 5', '/pin 7', '/frobnicate', '/history'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: Cannot roll back 5 rounds: memory holds 1 round, so the count must be from 1 to 1. Nothing was changed.');
    expect(run.stderr).toContain('error: Index 7 is out of range');
    expect(run.stderr).toContain("error: I don't know the command /frobnicate");
    expect(run.stdout).toContain('Memory: 2 messages (0 pinned)');
  });

  it('a model failure is an error line, the question is not kept, and the exit is 1', async () => {
    openai.failNext({ status: 500 }, 5);
    const run = await chat(['will this work?', '/history'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: The model server had an error (HTTP 500)');
    expect(run.stderr).toContain('Your message was not added to memory.');
    expect(run.stdout).toContain('Nothing in memory yet');
  });

  it('/retry regenerates the last answer in place; a failed retry keeps it and says so', async () => {
    const answers = ['one', 'two', 'two again'];
    openai.setResponder(() => answers.shift() ?? 'unscripted');
    const run = await chat(['first', 'second', '/retry', '/history'], env, ['--name', 'Ada']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').slice(0, 4)).toEqual(['one', 'two', 'two again', 'Regenerated the answer to Ada’s question: it replaced the previous answer in memory.']);
    expect(openai.requests[2]?.body.messages.map((m) => m.content)).toEqual([expect.any(String), 'Ada: first', 'one', 'Ada: second']);
    expect(run.stdout).toMatch(/\s3 assistant: two again$/m);
    expect(run.stdout).not.toMatch(/assistant: two$/m);

    openai.failNext({ status: 400 });
    const failed = await chat(['/retry', '/history'], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('error: The answer could not be regenerated. The model server rejected the request. Nothing was changed: the previous answer stays in memory.');
    expect(failed.stdout).toContain('two again');
  });

  it('/system and /settings work as on Discord: the same results, the same refusals, stored with the session', async () => {
    const run = await chat(
      ['/system set You are {bot}, in {channel}.', 'hi', '/system', '/settings', `/system set ${'x'.repeat(4001)}`, '/system frob'],
      { ...env, TIMEZONE: 'UTC' },
      ['--session', 'desk'],
    );
    expect(run.stdout).toMatch(/This session now uses this system prompt \(\d+ tokens\) from the next question on\./);
    expect(openai.requests[0]?.body.messages[0]).toEqual({ role: 'system', content: 'You are contextcord, in desk.' });
    expect(run.stdout).toMatch(/This session uses its own system prompt \(\d+ tokens\):\nYou are \{bot\}, in \{channel\}\.\nPlaceholders filled/);
    expect(run.stdout).toContain('  System prompt: You are {bot}, in {channel}. (this session’s own)');
    expect(run.stdout).toContain('  Model: gpt-4o-mini (default)');
    expect(run.stderr).toContain('error: That system prompt is 4001 characters long; the most I accept is 4000. Nothing was changed.');
    expect(run.stderr).toContain("error: I don't know the command /system frob");
    expect(run.code).toBe(1);

    const again = await chat(['/system reset', '/system reset'], env, ['--session', 'desk']);
    expect(again.stdout.split('\n').slice(0, 2)).toEqual(['This session uses the default system prompt again.', 'This session already uses the default system prompt.']);
  });

  it('/model works as on Discord: only the parameters set are sent, MODELS decides, refusals name the range', async () => {
    const run = await chat(
      ['/model set smart temperature=0.5 seed=3', 'hi', '/model', '/model set smart top_p=2', '/model set smart temp=1', '/model set other', '/model reset', 'again'],
      { ...env, MODELS: 'fast,smart' },
    );
    expect(run.stdout).toContain('This session now uses smart. Parameters: temperature 0.5, seed 3.');
    expect(run.stdout).toContain('This session uses its own choice of model smart. Parameters: temperature 0.5, seed 3.\nModels offered: fast, smart.');
    expect(run.stderr).toContain('error: top_p must be a number from 0 to 1; got 2. Nothing was changed.');
    expect(run.stderr).toContain('error: There is no parameter "temp"');
    expect(run.stderr).toContain('error: The model "other" is not offered here: choose one of fast, smart. Nothing was changed.');
    expect(run.stdout).toContain('This session uses the default model fast again, with no parameters of its own.');
    const [tuned, plain] = openai.requests.map((r) => r.body as Record<string, unknown>);
    expect(tuned).toMatchObject({ model: 'smart', temperature: 0.5, seed: 3 });
    expect(Object.keys(plain ?? {}).filter((k) => !['messages', 'stream', 'stream_options'].includes(k)).sort()).toEqual(['max_tokens', 'model']);
    expect(plain?.['model']).toBe('fast');
  });

  it('--list lists the stored sessions with their sizes, one line each, and exits 0; an empty store says so', async () => {
    const empty = await chat([], env, ['--list']);
    expect(empty).toEqual({ code: 0, stdout: 'No sessions are stored yet.\n', stderr: '' });

    openai.setResponder(() => 'the answer');
    const before = Date.now();
    await chat(['one', 'two', '/pin 0'], env);
    await chat(['hello'], env, ['--session', 'a-longer-name']);
    await chat(['hi', '/reset'], env, ['--session', 'emptied']);
    const after = Date.now();
    const history = await chat(['/history'], env);
    const [, total, system] = /(\d+) of \d+ prompt tokens \(system prompt (\d+)\)/.exec(history.stdout) ?? [];

    const listed = await chat([], { ...env, TIMEZONE: 'UTC' }, ['--list']);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toBe('');
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^a-longer-name {2}2 messages \(0 pinned\), \d+ prompt tokens, last message \d{4}-\d\d-\d\d \d\d:\d\d$/),
      'emptied        0 messages (0 pinned), 0 prompt tokens',
      expect.stringMatching(/^terminal {7}4 messages \(1 pinned\), \d+ prompt tokens, last message \d{4}-\d\d-\d\d \d\d:\d\d$/),
    ]);
    // The same tokens /history counts for the messages, and the time of the newest one, in TIMEZONE.
    const [, tokens, date, time] = /, (\d+) prompt tokens, last message (\S+) (\S+)$/.exec(lines[2] ?? '') ?? [];
    expect(Number(tokens)).toBe(Number(total) - Number(system));
    const at = Date.parse(`${date ?? ''}T${time ?? ''}:00Z`);
    expect(at).toBeGreaterThanOrEqual(before - 60_000);
    expect(at).toBeLessThanOrEqual(after);
  });

  it('a SIGINT cuts off the answer being written: not stored, said on stderr, nothing more read, exit 130', async () => {
    openai.setResponder(() => 'a long answer that is still being written');
    openai.failNext({ holdAfterChunks: 2 });
    const child = spawn(process.execPath, ['--import', loader, entry], { cwd: dir.path, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const streaming = new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.startsWith('a long a')) resolve();
      }),
    );
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.end('tell me a story\nand another thing\n');
    await streaming;
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stdout).toBe('a long a\n');
    expect(stderr).toBe('[interrupted]\nYou stopped this answer while it was being written. Your message was not added to memory.\n');
    expect(openai.requests).toHaveLength(1);

    const next = await chat(['/history', 'are you there?'], env);
    expect(next.code).toBe(0);
    expect(next.stdout).toContain('Nothing in memory yet');
    expect(openai.requests.at(-1)?.body.messages.map((m) => m.content)).toEqual([expect.any(String), expect.stringMatching(/: are you there\?$/)]);
  });

  it('--session picks another session in the same store', async () => {
    await chat(['one'], env);
    const other = await chat(['/history'], env, ['--session', 'elsewhere']);
    expect(other.stdout).toContain('Nothing in memory yet');
    const same = await chat(['/history'], env);
    expect(same.stdout).toContain('Memory: 2 messages');
  });

  it('needs no Discord token but says exactly what is missing', async () => {
    const run = await chat(['hi'], { ...env, OPENAI_API_KEY: '' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('OPENAI_API_KEY: is required');
    expect(run.stderr).not.toContain('DISCORD_TOKEN');
  });

  it('/forge, /memory, /export FILE and /import FILE: the same results and refusals as on Discord', async () => {
    openai.setResponder((req) => `answer ${String(req.body.messages.length)}`);
    const file = join(dir.path, 'memory.json');
    const first = await chat(['remember the code 4711', '/forge user The launch is on 4 March.', '/forge assistant Noted.', '/pin 0', '/memory tokens 5000', `/export ${file}`], env, ['--name', 'Ada']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Added a forged user message at the end of memory (index -1)');
    expect(first.stdout).toContain('This session now keeps the newest messages that fit 5000 tokens');
    expect(first.stdout).toContain(`${file}: Memory: 4 messages (1 pinned) and its settings, in the file.`);
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { settings: unknown; messages: Array<{ content: string; forged?: boolean }> };
    expect(exported.settings).toEqual({ memoryMode: 'tokens', memoryTokens: 5000 });
    expect(exported.messages.map((m) => [m.content, m.forged ?? false])).toEqual([
      ['remember the code 4711', false],
      ['answer 2', false],
      ['The launch is on 4 March.', true],
      ['Noted.', true],
    ]);

    // Into an empty session at once; the next request carries what the first one held.
    const second = await chat([`/import ${file}`, '/history', 'what is the code?'], { ...env }, ['--session', 'copy', '--name', 'Ada']);
    expect(second.stderr).toBe('');
    expect(second.stdout).toContain('Memory replaced from the file: 4 messages (1 pinned) and its settings; 0 earlier messages forgotten.');
    expect(second.stdout).toMatch(/2 user \(forged\): The launch is on 4 March\./);
    expect(openai.requests.at(-1)?.body.messages.map((m) => m.content)).toEqual([
      expect.any(String),
      'Ada: remember the code 4711',
      'answer 2',
      'The launch is on 4 March.',
      'Noted.',
      'Ada: what is the code?',
    ]);

    // Over a memory that is not empty it asks first: anything but y cancels.
    const third = await chat([`/import ${file}`, 'n', '/history', `/import ${file}`, 'y', '/history'], env, ['--session', 'copy']);
    expect(third.stderr).toBe('');
    expect(third.stdout).toContain('Memory holds 6 messages (1 pinned). Importing replaces them');
    expect(third.stdout).toContain('Import cancelled: nothing was changed.');
    expect(third.stdout).toContain('Memory: 6 messages (1 pinned)');
    expect(third.stdout).toContain('6 earlier messages forgotten');
    expect(third.stdout).toContain('Memory: 4 messages (1 pinned)');
  });

  it('/memory summary: what the limit drops is summarised, kept across runs, shown by /history and sent after the system prompt', async () => {
    const isSummary = (messages: ReadonlyArray<{ role: string; content: unknown }>): boolean =>
      messages.some((m) => m.role === 'system' && typeof m.content === 'string' && m.content.includes('running summary of a chat'));
    openai.setResponder((req) => (isSummary(req.body.messages) ? 'Ada is planning a trip to Oslo.' : 'ok'));
    const first = await chat(['/limit 2', '/memory summary', 'I am planning a trip to Oslo', 'in May'], env, ['--name', 'Ada']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('a running summary of what leaves them');
    const second = await chat(['/history', 'when do I go?'], env, ['--name', 'Ada']);
    expect(second.stderr).toBe('');
    expect(second.stdout).toMatch(/Summary of older messages \(\d+ tok\): Ada is planning a trip to Oslo\./);
    const asked = openai.requests.filter((r) => !isSummary(r.body.messages)).at(-1)?.body.messages.map((m) => m.content);
    expect(asked).toEqual([expect.any(String), expect.stringContaining('Ada is planning a trip to Oslo.'), 'Ada: in May', 'ok', 'Ada: when do I go?']);
  });

  it('a bad file, a missing file and a bad role are refused on stderr, nothing changed, exit 1', async () => {
    const bad = join(dir.path, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ role: 'user', content: 'a' }, { role: 'assistant', content: '' }]));
    const run = await chat([`/import ${bad}`, `/import ${join(dir.path, 'none.json')}`, '/forge robot hi', '/memory tokens', '/history'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: Message 1: content is empty. Nothing was changed.');
    expect(run.stderr).toMatch(/error: Could not read .*none\.json \(ENOENT\)\. Nothing was changed\./);
    expect(run.stderr).toContain('error: "robot" is not one of `user`, `assistant`.');
    expect(run.stderr).toContain('error: Tokens mode needs a token cap');
    expect(run.stdout).toContain('Nothing in memory yet');
  });

  it('a session exported in Discord imports in the terminal, and its export imports back into Discord the same', async () => {
    const world = await World.create();
    try {
      await world.start();
      world.openai.setResponder(() => 'the answer');
      await world.ask(GENERAL, 'remember the code 4711');
      const interaction = await world.discord.command({ channelId: GENERAL, user: ada, name: 'pin', options: [{ name: 'indices', type: 3, value: '0' }] });
      await world.discord.waitFor(() => interaction.reply());
      const exported = await world.discord.command({ channelId: GENERAL, user: ada, name: 'export' });
      const reply = await world.discord.waitFor(() => exported.reply());
      const fromDiscord = await (await fetch(reply.attachments[0]?.url ?? '')).text();
      const inFile = join(dir.path, 'from-discord.json');
      const outFile = join(dir.path, 'from-terminal.json');
      writeFileSync(inFile, fromDiscord);

      const run = await chat([`/import ${inFile}`, '/history', `/export ${outFile}`], env);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/\[pinned\] Ada: remember the code 4711/);
      const fromTerminal = readFileSync(outFile, 'utf8');
      const messages = (text: string) => (JSON.parse(text) as { messages: unknown[]; settings: unknown });
      expect(messages(fromTerminal).messages).toEqual(messages(fromDiscord).messages);

      const back = await world.discord.command({ channelId: RANDOM, user: ada, name: 'import', options: [{ name: 'file', type: 11, attachment: { filename: 'back.json', content: fromTerminal } }] });
      expect((await world.discord.waitFor(() => back.reply())).content).toMatch(/1 pinned/);
      const [a, b] = [await world.app?.ctx.engine.memory.read(GENERAL), await world.app?.ctx.engine.memory.read(RANDOM)];
      const shape = (session: typeof a) => session?.history.map((m) => [m.role, m.content, m.pinned, m.authorId, m.authorName, m.createdAt, m.tokens]);
      expect(shape(b)).toEqual(shape(a));
    } finally {
      await world.close();
    }
  });
});
