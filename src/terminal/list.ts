import { sessionSize } from '../engine/history-view.js';
import type { Memory } from '../engine/memory.js';
import { NO_SESSIONS, sessionLine } from './presenter.js';
import type { TerminalOutput } from './sink.js';

/**
 * `npm run chat -- --list`: every stored session (Discord channels and terminal sessions alike), one
 * line each with its size, in key order; a store with none says so. Each line is written as its
 * session is read, so a large store shows progress. Returns how many were listed.
 */
export async function listSessions(memory: Memory, out: TerminalOutput, timeZone: string | undefined): Promise<number> {
  const keys: string[] = [];
  for await (const key of memory.sessionKeys()) keys.push(key);
  if (keys.length === 0) {
    out.write(`${NO_SESSIONS}\n`);
    return 0;
  }
  const width = keys.reduce((widest, key) => Math.max(widest, key.length), 0);
  for (const key of keys) out.write(`${sessionLine(key, sessionSize(await memory.read(key)), width, timeZone)}\n`);
  return keys.length;
}
