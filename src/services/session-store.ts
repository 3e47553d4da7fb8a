import type { Session } from '../domain/session.js';

/**
 * Where sessions live. Implementations load on demand (nothing is held for idle sessions) and
 * never throw for a record they cannot decode: they set it aside and return a fresh session.
 */
export interface SessionStore {
  load(key: string): Promise<Session>;
  save(key: string, session: Session): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
