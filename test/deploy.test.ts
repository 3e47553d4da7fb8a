import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

interface Launch {
  readonly env: Record<string, string>;
  readonly argv: readonly string[];
}

/** `A=1 B=2 node flags… entry` as npm start runs it. */
function fromStartScript(script: string): Launch {
  const words = script.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0]?.includes('=') === true) {
    const [name = '', value = ''] = (words.shift() ?? '').split('=');
    env[name] = value;
  }
  return { env, argv: words };
}

/** The Dockerfile's last stage: its ENV lines the process sees (not the store's default) and CMD. */
function fromDockerfile(text: string): Launch {
  const last = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  const envBlock = /\nENV ((?:[^\n]*\\\n)*[^\n]*)/.exec(last)?.[1] ?? '';
  for (const pair of envBlock.replace(/\\\n/g, ' ').trim().split(/\s+/)) {
    const [name = '', value = ''] = pair.split('=');
    env[name] = value;
  }
  const cmd = /\nCMD (\[.*\])/.exec(last)?.[1] ?? '[]';
  return { env, argv: JSON.parse(cmd) as string[] };
}

function fromUnit(text: string): Launch {
  const env: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => l.startsWith('Environment='))) {
    for (const pair of line.slice('Environment='.length).trim().split(/\s+/)) {
      const [name = '', value = ''] = pair.split('=');
      env[name] = value;
    }
  }
  const exec = text.split('\n').find((l) => l.startsWith('ExecStart='))?.slice('ExecStart='.length) ?? '';
  const argv = exec.trim().split(/\s+/);
  return { env, argv: [argv[0] === '/usr/bin/node' ? 'node' : (argv[0] ?? ''), ...argv.slice(1)] };
}

/** The keys of one service's `environment:` map in compose.yaml. */
function composeEnvironment(text: string, service: string): string[] {
  const block = new RegExp(`\\n  ${service}:\\n((?:    .*\\n|\\n)*)`).exec(text)?.[1] ?? '';
  const environment = /\n? {4}environment:\n((?: {6}.*\n)*)/.exec(block)?.[1] ?? '';
  return environment
    .split('\n')
    .map((line) => /^\s+([A-Z_][A-Z0-9_]*):/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

describe('how the bot is launched', () => {
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['start'] ?? '';

  it('the container and the systemd unit run exactly what npm start runs', () => {
    const npm = fromStartScript(start);
    expect(npm.argv).toEqual(['node', '--max-semi-space-size=4', 'dist/src/index.js']);
    const docker = fromDockerfile(read('Dockerfile'));
    const unit = fromUnit(read('deploy/contextcord.service'));
    expect(docker.argv).toEqual(npm.argv);
    expect(unit.argv).toEqual(npm.argv);
    for (const [name, value] of Object.entries(npm.env)) {
      expect(docker.env[name], `Dockerfile ENV ${name}`).toBe(value);
      expect(unit.env[name], `unit Environment ${name}`).toBe(value);
    }
  });

  it('every variable the compose file and the image set for the bot is one the configuration reads', () => {
    const known = new Set(Object.keys(configSchema.shape));
    const passed = composeEnvironment(read('compose.yaml'), 'contextcord');
    expect(passed).toContain('STORE_URL');
    for (const name of passed) expect(known.has(name), `compose.yaml passes ${name}`).toBe(true);
    const imageEnv = Object.keys(fromDockerfile(read('Dockerfile')).env).filter((n) => !n.startsWith('MALLOC_') && n !== 'NODE_ENV');
    for (const name of imageEnv) expect(known.has(name), `Dockerfile sets ${name}`).toBe(true);
  });

  it('the image stops on SIGTERM within Docker’s 10 s and keeps its store on a volume as a non-root user', () => {
    const docker = read('Dockerfile');
    expect(docker).toMatch(/\nSTOPSIGNAL SIGTERM\n/);
    expect(docker).toMatch(/\nVOLUME \/data\n/);
    expect(docker).toMatch(/\nUSER node\n/);
    expect(docker).toMatch(/npm ci --omit=dev/);
    const grace = configSchema.shape.SHUTDOWN_TIMEOUT_MS.parse(undefined);
    expect(grace).toBeLessThan(10_000);
  });
});
