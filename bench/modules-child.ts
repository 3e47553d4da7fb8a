/**
 * Where an idle bot's resident memory goes before it does anything: imports the bot's heavy
 * dependencies one after another in a fresh process and prints the RSS (after gc) after each, as
 * one JSON line. Later steps exclude what earlier ones already loaded (shared dependencies).
 */
const collect = (globalThis as { gc?: () => void }).gc;

function rss(): number {
  collect?.();
  collect?.();
  return process.memoryUsage().rss;
}

const steps: Array<{ step: string; rss: number }> = [{ step: 'node itself', rss: rss() }];
const load: Array<[string, () => Promise<unknown>]> = [
  // zod/mini first, so the next row is what the full API (which src/ imports) costs beyond it.
  ['zod/mini', () => import('zod/mini')],
  ['zod (full API)', () => import('zod')],
  ['pino + pino-pretty', () => Promise.all([import('pino'), import('pino-pretty')])],
  ['keyv + @keyv/sqlite (sqlite3)', () => Promise.all([import('keyv'), import('@keyv/sqlite')])],
  ['openai', () => import('openai')],
  ['discord.js', () => import('discord.js')],
  // The o200k_base ranks are built on import; a first count touches the rest.
  ['gpt-tokenizer (o200k_base)', async () => (await import('gpt-tokenizer')).countTokens('warm up the encoder')],
  ['contextcord src/ (app, commands)', () => import('../src/app.js')],
];
for (const [step, run] of load) {
  await run();
  steps.push({ step, rss: rss() });
}
process.stdout.write(`${JSON.stringify(steps)}\n`);
