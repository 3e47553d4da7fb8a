import { displayStoreUrl, parseStoreUrl } from '../adapters/store/store-url.js';
import { redactSecrets } from '../redact.js';

/** A STORE_URL as it may be printed (its password as ***). */
export const printableStoreUrl = displayStoreUrl;

/** `text` with every STORE_URL of `storeUrls` printable and their passwords removed, wherever an error message put them. */
export function withoutPasswords(text: string, storeUrls: readonly string[]): string {
  let clean = text;
  const passwords: string[] = [];
  for (const storeUrl of storeUrls) {
    clean = clean.split(storeUrl).join(displayStoreUrl(storeUrl));
    const password = passwordOf(storeUrl);
    if (password !== undefined) {
      passwords.push(password, decoded(password));
      // A short password is removed where a URL spells it; a long one wherever it is (redactSecrets).
      clean = clean.split(`:${password}@`).join(':***@');
    }
  }
  return redactSecrets(clean, passwords);
}

/** The passwords the URLs carry, for a logger to redact. */
export function passwordsOf(storeUrls: readonly string[]): string[] {
  return storeUrls.map(passwordOf).filter((password) => password !== undefined);
}

function passwordOf(storeUrl: string): string | undefined {
  if (storeUrl.startsWith('sqlite://')) return undefined;
  try {
    const { password } = new URL(storeUrl);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Whether two STORE_URLs name the same store: the same SQLite file however spelled, the same database or Redis db and prefix. */
export function sameStore(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function canonical(storeUrl: string): string {
  try {
    const location = parseStoreUrl(storeUrl);
    switch (location.kind) {
      case 'memory':
        return 'memory://';
      case 'sqlite':
        return `sqlite://${location.path}`;
      case 'redis':
        return `${location.display}#${String(location.db)}#${location.namespace}`;
      case 'postgres':
        return `${location.display}#${location.schema}`;
    }
  } catch {
    return storeUrl;
  }
}
