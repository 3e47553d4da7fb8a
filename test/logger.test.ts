import { describe, expect, it } from 'vitest';
import { SECRET_MIN_CHARS } from '../src/logger.js';
import { captureAppLogs, secretShown } from './helpers/logs.js';

/** Key shapes that JSON or URLs escape, and characters beyond ASCII (one beyond Latin-1, which no header can carry). */
const KEYS = [
  'sk-quote"d-key-0001',
  'sk-back\\slash-key-0002',
  'sk-tab\tbed-key-0003',
  'sk-per%25cent-key-0004',
  'sk-café-ünïcode-0005',
  'sk-emoji-😀-key-0006',
];

/** As a JSON encoder that escapes everything beyond ASCII (Python's json.dumps) writes it. */
const asciiJson = (text: string): string =>
  JSON.stringify(text).slice(1, -1).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The ways a model server or a proxy in front of it may put a key it refused into its error text. */
const ECHOES: ReadonlyArray<[string, (key: string) => string]> = [
  ['as given', (key) => `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`],
  ['without its last 4 characters', (key) => `Incorrect API key provided: ${key.slice(0, -4)}…`],
  ['cut after 10 characters', (key) => `Incorrect API key provided: ${key.slice(0, 10)}...`],
  ['URL-encoded', (key) => `403 for https://proxy.example/v1/chat/completions?api_key=${encodeURIComponent(key)}&x=1`],
  ['URL-encoded, lower-case hex', (key) => `key=${encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}`],
  ['form-encoded', (key) => `body: ${new URLSearchParams({ api_key: key }).toString()}`],
  ['inside JSON from a proxy that escapes non-ASCII', (key) => `upstream said {"error": "bad key ${asciiJson(key)}"}`],
  ['inside an error body with no message (the SDK JSON-encodes it)', (key) => JSON.stringify({ error: { detail: `key ${key} refused` } })],
  ['decoded from the header as UTF-8', (key) => `Incorrect API key provided: ${key.replace(/\P{ASCII}/gu, '\uFFFD')}.`],
];

describe('redactingStream (through createLogger)', () => {
  it.each(KEYS.map((key) => [JSON.stringify(key), key]))('no form of the key %s is written, in a message, an error or a nested field', (_, key) => {
    const logs = captureAppLogs([key]);
    for (const [, echo] of ECHOES) {
      const text = echo(key);
      logs.logger.warn({ err: new Error(`401 ${text}`), key: '#1 (…0001)' }, 'completion failed');
      logs.logger.info(text);
      logs.logger.debug({ response: { body: { error: { message: text } } } }, 'model server answered');
    }
    const lines = logs.text().trim().split('\n');
    expect(lines).toHaveLength(3 * ECHOES.length);
    lines.forEach((line, i) => {
      const [name] = ECHOES[Math.floor(i / 3)] ?? ['?'];
      expect(secretShown(line, key), name).toBeUndefined();
      // The rest of the line is kept: what the server said around the key, and the key's label.
      expect(line).toContain('[redacted]');
    });
    expect(logs.text()).toContain('#1 (…0001)');
    expect(logs.text()).toContain('You can find your API key at https://platform.openai.com/account/api-keys.');
  });

  it(`leaves a secret's start shorter than ${String(SECRET_MIN_CHARS)} characters, its tail, and secrets that short`, () => {
    const key = 'sk-quote"d-key-0001';
    const logs = captureAppLogs([key, 'short']);
    logs.logger.info(`prefix ${key.slice(0, SECRET_MIN_CHARS - 1)} tail …${key.slice(-4)} short`);
    expect(logs.lines[0]?.['msg']).toBe(`prefix ${key.slice(0, SECRET_MIN_CHARS - 1)} tail …0001 short`);
  });
});
