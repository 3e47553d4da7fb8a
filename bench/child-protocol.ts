/** Messages between the benchmark and the bot it runs in a child process (Node IPC), checked with zod. */
import { z } from 'zod';

export const usageSchema = z.object({
  rss: z.number(),
  /** Of rss (Linux, /proc/self/status; 0 elsewhere): anonymous memory (V8 heap, malloc)… */
  rssAnon: z.number(),
  /** …and file-backed pages (code of node and native modules). */
  rssFile: z.number(),
  /** Of rssAnon: the resident part of the V8 heap (the rest is mostly malloc: native modules, V8's compiler zones). */
  heapResident: z.number(),
  heapUsed: z.number(),
  heapTotal: z.number(),
  external: z.number(),
  arrayBuffers: z.number(),
  /** Peak resident set size so far, bytes. */
  maxRss: z.number(),
  cpuUserMicros: z.number(),
  cpuSystemMicros: z.number(),
});
export type Usage = z.infer<typeof usageSchema>;

export const parentMessageSchema = z.object({
  id: z.number().int(),
  /** drain: wait until every answer in flight is committed; usage: report memory and CPU; stop: stop the app. */
  type: z.enum(['drain', 'usage', 'stop']),
  /** Run global.gc() (twice) before measuring. */
  gc: z.boolean().default(false),
});
export type ParentMessage = z.input<typeof parentMessageSchema>;

export const childMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), usage: usageSchema }),
  z.object({ type: z.literal('done'), id: z.number().int(), usage: usageSchema }),
  z.object({ type: z.literal('failed'), id: z.number().int().optional(), message: z.string() }),
]);
export type ChildMessage = z.infer<typeof childMessageSchema>;
