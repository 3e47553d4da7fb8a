import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { StartupError } from '../../startup-errors.js';

/**
 * The StartupError for a store that would not open (`cause`, from openSessionStore): the path
 * resolved as the store resolves it, and whether a folder stands there, which SQLite's own
 * SQLITE_CANTOPEN does not say.
 */
export function storeOpenFailure(storeUrl: string, cause: unknown): StartupError {
  const file = storeUrl.startsWith('sqlite://') ? storeUrl.slice('sqlite://'.length) : storeUrl;
  const path = file === ':memory:' ? file : resolve(file);
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // Missing or not readable: the cause says which.
  }
  return new StartupError({ kind: 'store', storeUrl, path, isDirectory }, { cause });
}
