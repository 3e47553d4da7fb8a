/**
 * `npm run bench [-- section…]`: runs the benchmark sections, prints Markdown tables and writes
 * bench/results.json. BENCH_QUICK=1 makes a smoke run with rough figures, written to
 * bench/results.quick.json (not committed) so it never overwrites a full run's.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { botSection } from './bot.js';
import { compareSection } from './compare.js';
import { engineSection } from './engine.js';
import { machine } from './machine.js';
import { memorySection } from './memory.js';
import { shardsSection } from './shards.js';
import { type BenchOptions, renderTable, type SectionResult, targetText } from './report.js';
import { tokensSection } from './tokens.js';

const SECTIONS: Record<string, (options: BenchOptions) => Promise<SectionResult>> = {
  engine: engineSection,
  tokens: tokensSection,
  bot: botSection,
  memory: memorySection,
  compare: compareSection,
  shards: shardsSection,
};

/** Full runs only: the committed figures. A quick run's rough ones go beside it, never over them. */
const FULL_RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const QUICK_RESULTS = fileURLToPath(new URL('./results.quick.json', import.meta.url));

function chosenSections(args: readonly string[]): string[] {
  const names = args.filter((a) => a !== '--');
  const unknown = names.filter((n) => !(n in SECTIONS));
  if (unknown.length > 0) {
    throw new Error(`Unknown section ${unknown.join(', ')}: choose from ${Object.keys(SECTIONS).join(', ')} (or none for all).`);
  }
  return names.length === 0 ? Object.keys(SECTIONS) : names;
}

/** Sections not run this time keep their earlier figures in results.json. */
function previousSections(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const old = JSON.parse(readFileSync(file, 'utf8')) as { sections?: unknown };
    return typeof old.sections === 'object' && old.sections !== null ? (old.sections as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const names = chosenSections(process.argv.slice(2));
  const options: BenchOptions = { quick: process.env['BENCH_QUICK'] === '1' };
  const host = machine();
  const started = performance.now();
  console.log(`# contextcord benchmarks${options.quick ? ' (BENCH_QUICK: smoke run, rough figures)' : ''}\n`);
  console.log(
    `${host.cpuModel}, ${host.cores} cores, ${(host.totalMemoryBytes / 1e9).toFixed(1)} GB memory, Node ${host.node}, ${host.os}, ${host.date}, load average ${host.loadAverage.toFixed(1)}\n`,
  );
  if (host.loadAverage > host.cores) {
    console.log(`> The machine is busy (load average ${host.loadAverage.toFixed(1)} on ${host.cores} cores): other work shares the CPU, so p99 figures will be noisy.\n`);
  }

  const results: SectionResult[] = [];
  const resultsFile = options.quick ? QUICK_RESULTS : FULL_RESULTS;
  const sections = previousSections(resultsFile);
  for (const name of names) {
    const run = SECTIONS[name];
    if (run === undefined) continue;
    const sectionStarted = performance.now();
    console.error(`[bench] ${name}…`);
    const result = await run(options);
    const seconds = (performance.now() - sectionStarted) / 1000;
    results.push(result);
    console.log(`## ${name} (${seconds.toFixed(0)} s)\n`);
    for (const table of result.tables) console.log(`${renderTable(table)}\n`);
    sections[name] = { measuredAt: new Date().toISOString(), quick: options.quick, seconds, targets: result.targets, ...result.data };
  }

  const targets = results.flatMap((r) => r.targets);
  if (targets.length > 0) {
    console.log(renderTable({
      title: 'Targets',
      columns: ['target', 'measured', 'status'],
      rows: targets.map((t) => [t.name, t.unit === 'ms' ? `${t.actual.toFixed(3)} ms` : t.unit === '×' ? `${t.actual.toFixed(2)}×` : `${t.actual.toFixed(1)} MB`, targetText(t)]),
    }));
  }
  const total = (performance.now() - started) / 1000;
  const loadAtEnd = loadavg()[0] ?? 0;
  console.log(`\nTotal: ${total.toFixed(0)} s; load average at the end ${loadAtEnd.toFixed(1)}. Results: bench/${options.quick ? 'results.quick.json' : 'results.json'}`);
  writeFileSync(
    resultsFile,
    `${JSON.stringify({ machine: host, loadAverageAtEnd: loadAtEnd, quick: options.quick, totalSeconds: total, sections }, null, 2)}\n`,
  );
}

await main();
// Fakes, clients and child processes are closed by the sections; anything left (a keep-alive
// socket, an unref'd timer) must not keep the run from ending.
process.exit(0);
