/** Where a question was asked, for a system prompt's placeholders. */
export interface Place {
  /** The server's name; empty in a DM or the terminal. */
  readonly server: string;
  /** The channel's (or thread's) name. */
  readonly channel: string;
  /** The bot's own name there. */
  readonly bot: string;
}

export const PLACEHOLDERS = ['date', 'time', 'server', 'channel', 'bot'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** `at` as YYYY-MM-DD and HH:MM (24 h) in `timeZone` (an IANA zone; undefined for the host's). */
export function localDateTime(at: number, timeZone: string | undefined): { readonly date: string; readonly time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    ...(timeZone === undefined ? {} : { timeZone }),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${part('year')}-${part('month')}-${part('day')}`, time: `${part('hour')}:${part('minute')}` };
}

/**
 * The values of the placeholders at `now`: `{date}` and `{time}` as localDateTime gives them in
 * `timeZone`, then where the question was asked.
 */
export function placeholderValues(now: number, timeZone: string | undefined, place: Place): Record<Placeholder, string> {
  const { date, time } = localDateTime(now, timeZone);
  return { date, time, server: place.server, channel: place.channel, bot: place.bot };
}

/** A system prompt with `{date}`, `{time}`, `{server}`, `{channel}` and `{bot}` filled; other braces stay. */
export function fillPlaceholders(template: string, values: Record<Placeholder, string>): string {
  return template.replace(/\{(date|time|server|channel|bot)\}/g, (_, name: Placeholder) => values[name]);
}
