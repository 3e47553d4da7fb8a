import { resolve } from 'node:path';
import { redactSecrets } from '../redact.js';

/**
 * A STORE_URL as it may be printed: its password (redis://:secret@host, postgresql://user:secret@host)
 * replaced by ***. A URL that does not parse is printed as its scheme only, since where its
 * password would be cannot be told.
 */
export function printableStoreUrl(storeUrl: string): string {
  if (storeUrl.startsWith('sqlite://') || storeUrl === 'memory://') return storeUrl;
  try {
    const url = new URL(storeUrl);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return `${storeUrl.split(':')[0] ?? ''}://…`;
  }
}

/** `text` with every STORE_URL of `storeUrls` printable and their passwords removed, wherever an error message put them. */
export function withoutPasswords(text: string, storeUrls: readonly string[]): string {
  let clean = text;
  const passwords: string[] = [];
  for (const storeUrl of storeUrls) {
    clean = clean.split(storeUrl).join(printableStoreUrl(storeUrl));
    const password = passwordOf(storeUrl);
    if (password !== undefined) {
      passwords.push(password, decoded(password));
      // A short password is removed where a URL spells it; a long one wherever it is (redactSecrets).
      clean = clean.split(`:${password}@`).join(':***@');
    }
  }
  return redactSecrets(clean, passwords);
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

/** Whether two STORE_URLs name the same store: the same SQLite file however spelled, else the same URL. */
export function sameStore(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function canonical(storeUrl: string): string {
  if (storeUrl.startsWith('sqlite://')) return `sqlite://${resolve(storeUrl.slice('sqlite://'.length))}`;
  try {
    return new URL(storeUrl).toString();
  } catch {
    return storeUrl;
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
