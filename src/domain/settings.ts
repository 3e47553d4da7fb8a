import { z } from 'zod';
import { REASONING_EFFORTS } from './model-params.js';
import type { SessionSettings } from './session.js';

/**
 * A session's settings as they cross a boundary: read back from the store (record.ts) and carried
 * by an exported session file (portable.ts). One schema for both, so a setting added to
 * SessionSettings travels in exports the moment the store keeps it.
 */
export const settingsSchema = z.object({
  limit: z.number().int().positive().optional(),
  systemPrompt: z.string().optional(),
  model: z.string().min(1).optional(),
  tokenBudget: z.number().int().positive().optional(),
  // The memory mode group (memory-mode.ts).
  memoryMode: z.enum(['window', 'tokens', 'summary']).optional(),
  memoryTokens: z.number().int().positive().optional(),
  // Per-channel control (channel-settings.ts, model-params.ts).
  params: z
    .object({
      temperature: z.number().optional(),
      topP: z.number().optional(),
      maxTokens: z.number().int().positive().optional(),
      frequencyPenalty: z.number().optional(),
      presencePenalty: z.number().optional(),
      seed: z.number().int().optional(),
      reasoningEffort: z.enum(REASONING_EFFORTS).optional(),
    })
    .optional(),
  listen: z.boolean().optional(),
});

// The schema must describe SessionSettings and nothing else: each side is checked against the other.
type Parsed = z.infer<typeof settingsSchema>;
type Exact<T> = { [K in keyof T]-?: Exclude<T[K], undefined> extends string | number | boolean ? Exclude<T[K], undefined> : Exact<Exclude<T[K], undefined>> };
/** `true` only while the schema and SessionSettings have the same keys and types; else this file does not compile. */
export type SettingsSchemaMatches = Exact<Parsed> extends Exact<SessionSettings> ? (Exact<SessionSettings> extends Exact<Parsed> ? true : never) : never;
export const SETTINGS_SCHEMA_MATCHES: SettingsSchemaMatches = true;

/**
 * zod leaves absent optional keys absent; only its static type says `T | undefined`, which
 * SessionSettings (under exactOptionalPropertyTypes) does not accept.
 */
export function parsedSettings(parsed: Parsed): SessionSettings {
  return parsed as SessionSettings;
}
