import { userError } from './errors.js';

const MAX_INDICES = 100;

/**
 * Reads Python-style indices as a person types them in a slash option: whole numbers separated
 * by spaces or commas ("0 -2 -1", "1,2"). Anything else is rejected with what is allowed.
 */
export function parseIndices(text: string): number[] {
  const parts = text.trim().split(/\s*,\s*|\s+/);
  if (text.trim() === '' || parts.some((part) => part === '')) {
    throw userError('bad_indices', { reason: 'not_a_list', text: shorten(text) });
  }
  if (parts.length > MAX_INDICES) {
    throw userError('bad_indices', { reason: 'too_many', max: MAX_INDICES, got: parts.length });
  }
  return parts.map((part) => {
    if (!/^[+-]?\d{1,7}$/.test(part)) {
      throw userError('bad_indices', { reason: 'not_a_number', text: shorten(part) });
    }
    return Number(part);
  });
}

/**
 * Turns Python-style indices into positions in a list of `length` items. Every index is checked
 * before any is used, so one bad index means nothing changes. `action` names what the indices are
 * for, so an empty memory can be reported for it.
 */
export function resolveIndices(indices: readonly number[], length: number, action: 'pin' | 'unpin' = 'pin'): number[] {
  if (length === 0) throw userError('empty_history', { action });
  const bad = indices.filter((index) => index >= length || index < -length);
  if (bad.length > 0) throw userError('index_out_of_range', { indices: [...new Set(bad)], length });
  return indices.map((index) => (index < 0 ? length + index : index));
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
