import { statSync } from 'node:fs';
import { StartupError } from '../../startup-errors.js';
import { displayStoreUrl, parseStoreUrl } from './store-url.js';

/**
 * The StartupError for a store that would not open (`cause`, from openSessionStore). For SQLite:
 * the path resolved as the store resolves it, and whether a folder stands there, which SQLite's
 * own SQLITE_CANTOPEN does not say. For Redis and PostgreSQL: the URL without its password.
 */
export function storeOpenFailure(storeUrl: string, cause: unknown): StartupError {
  const location = parseStoreUrl(storeUrl);
  if (location.kind === 'redis' || location.kind === 'postgres') {
    return new StartupError({ kind: 'store-server', server: location.kind === 'redis' ? 'Redis' : 'PostgreSQL', store: location.display }, { cause });
  }
  const path = location.kind === 'sqlite' ? location.path : storeUrl;
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // Missing or not readable: the cause says which.
  }
  return new StartupError({ kind: 'store', storeUrl: displayStoreUrl(storeUrl), path, isDirectory }, { cause });
}
