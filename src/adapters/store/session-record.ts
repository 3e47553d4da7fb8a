import { z } from 'zod';
import type { HistoryMessage } from '../../domain/message.js';
import type { Session, SessionSettings } from '../../domain/session.js';

/**
 * The stored form of a session. `v` is the schema version: a later release that changes the shape
 * bumps it and migrates older records on read.
 */
export const RECORD_VERSION = 1;

const messageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  authorId: z.string().optional(),
  authorName: z.string().optional(),
  tokens: z.number().int().nonnegative(),
  pinned: z.boolean(),
  createdAt: z.number(),
  discordMessageIds: z.array(z.string()),
  forged: z.boolean().optional(),
});

const settingsSchema = z.object({
  limit: z.number().int().positive().optional(),
  systemPrompt: z.string().optional(),
  model: z.string().min(1).optional(),
  tokenBudget: z.number().int().positive().optional(),
});

export const recordSchema = z.object({
  v: z.literal(RECORD_VERSION),
  history: z.array(messageSchema),
  settings: settingsSchema,
});

export interface SessionRecord {
  readonly v: typeof RECORD_VERSION;
  readonly history: readonly HistoryMessage[];
  readonly settings: SessionSettings;
}

export function encodeSession(session: Session): SessionRecord {
  return { v: RECORD_VERSION, history: session.history, settings: session.settings };
}

export type Decoded = { ok: true; session: Session } | { ok: false; reason: string };

export function decodeSession(value: unknown): Decoded {
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, reason: z.prettifyError(parsed.error).slice(0, 500) };
  }
  // zod leaves absent optional keys absent; only its static type says `T | undefined`.
  const { history, settings } = parsed.data;
  return { ok: true, session: { history, settings } as Session };
}
