/**
 * The bot as the benchmark runs it: a separate Node process (compiled JS, no tsx loader) so its
 * CPU and memory figures are its own. Configured through the environment like the real bot;
 * BENCH_MODEL=fixed swaps in a model that answers BENCH_REPLY at once, BENCH_MODEL=floor runs
 * discord.js alone answering BENCH_REPLY (floor-bot.ts), anything else uses the OpenAI SDK
 * against OPENAI_BASE_URL. Driven over IPC (see child-protocol.ts).
 */
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { ChatModel } from '../src/engine/chat-model.js';
import { type ChildMessage, parentMessageSchema, type Usage } from './child-protocol.js';
import { startFloorBot } from './floor-bot.js';

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** A "Name:   123 kB" line of /proc/self/status, in bytes; 0 where there is no such file. */
function procStatus(name: string): number {
  try {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

function usage(gc: boolean): Usage {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect !== undefined) {
    collect();
    collect();
  }
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: memory.rss,
    rssAnon: procStatus('RssAnon'),
    rssFile: procStatus('RssFile'),
    heapResident: getHeapStatistics().total_physical_size,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    maxRss: process.resourceUsage().maxRSS * 1024,
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
  };
}

const config = loadConfig(process.env);
const logger = createLogger({ level: config.LOG_LEVEL, secrets: [config.DISCORD_TOKEN, ...config.OPENAI_API_KEY] });
const reply = process.env['BENCH_REPLY'] ?? 'OK.';
const fixedModel: ChatModel = {
  complete(_request, onText) {
    onText(reply);
    return Promise.resolve({ text: reply, finishReason: 'stop' });
  },
};

/** What the benchmark drives: the bot, or (BENCH_MODEL=floor) discord.js alone answering at once. */
async function start(): Promise<{ drain(): Promise<unknown>; stop(): Promise<void> }> {
  if (process.env['BENCH_MODEL'] === 'floor') return startFloorBot(config.DISCORD_TOKEN, config.DISCORD_API_URL, reply);
  const app = await startApp(config, {
    logger,
    editIntervalMs: 1000,
    ...(process.env['BENCH_MODEL'] === 'fixed' ? { model: fixedModel } : {}),
    // BENCH_REST_UNLIMITED=1: the fake has no REST limit, and neither does discord.js (CPU-bound runs).
    ...(process.env['BENCH_REST_UNLIMITED'] === '1' ? { globalRequestsPerSecond: 1_000_000 } : {}),
  });
  return { drain: () => app.ctx.engine.drain(), stop: () => app.stop() };
}

try {
  const app = await start();
  process.on('message', (raw: unknown) => {
    const parsed = parentMessageSchema.safeParse(raw);
    if (!parsed.success) {
      send({ type: 'failed', message: `bad request from the benchmark: ${parsed.error.message}` });
      return;
    }
    const request = parsed.data;
    const work =
      request.type === 'drain'
        ? app.drain()
        : request.type === 'stop'
          ? app.stop()
          : Promise.resolve();
    work.then(
      () => {
        send({ type: 'done', id: request.id, usage: usage(request.gc) });
        if (request.type === 'stop') process.disconnect();
      },
      (error: unknown) => send({ type: 'failed', id: request.id, message: String(error) }),
    );
  });
  send({ type: 'ready', usage: usage(false) });
} catch (error) {
  send({ type: 'failed', message: `the bot did not start: ${String(error)}` });
  process.exitCode = 1;
  process.disconnect();
}
