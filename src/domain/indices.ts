import { UserError } from './errors.js';

const MAX_INDICES = 100;

/**
 * Reads Python-style indices as a person types them in a slash option: whole numbers separated
 * by spaces or commas ("0 -2 -1", "1,2"). Anything else is rejected with what is allowed.
 */
export function parseIndices(text: string): number[] {
  const parts = text.trim().split(/\s*,\s*|\s+/);
  if (text.trim() === '' || parts.some((part) => part === '')) {
    throw new UserError(
      'bad_indices',
      `"${shorten(text)}" is not a list of indices: give whole numbers separated by spaces or commas, like \`0 -2 -1\` (0 is the oldest message, -1 the newest).`,
    );
  }
  if (parts.length > MAX_INDICES) {
    throw new UserError('bad_indices', `Give at most ${MAX_INDICES} indices at once; got ${parts.length}.`);
  }
  return parts.map((part) => {
    if (!/^[+-]?\d{1,7}$/.test(part)) {
      throw new UserError(
        'bad_indices',
        `"${shorten(part)}" is not a whole number: indices look like \`0\`, \`3\` or \`-1\` (0 is the oldest message, -1 the newest).`,
      );
    }
    return Number(part);
  });
}

/**
 * Turns Python-style indices into positions in a list of `length` items. Every index is checked
 * before any is used, so one bad index means nothing changes.
 */
export function resolveIndices(indices: readonly number[], length: number): number[] {
  if (length === 0) {
    throw new UserError('empty_history', 'This channel has no messages in memory yet.');
  }
  const bad = indices.filter((index) => index >= length || index < -length);
  if (bad.length > 0) {
    const names = [...new Set(bad)].join(', ');
    throw new UserError(
      'index_out_of_range',
      `Index ${names} is out of range: memory holds ${length} message${length === 1 ? '' : 's'}, so indices run from 0 to ${length - 1} (or -${length} to -1). Nothing was changed.`,
    );
  }
  return indices.map((index) => (index < 0 ? length + index : index));
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
