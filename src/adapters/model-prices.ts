import * as specs from 'gpt-tokenizer/models';
import type { ModelPrice } from '../domain/usage.js';

type Spec = { readonly price_data?: { readonly main?: { readonly input?: number; readonly output?: number } } };
const known = specs as unknown as Readonly<Record<string, Spec | undefined>>;

/**
 * A model's list price (US dollars per million tokens), from gpt-tokenizer's model specs: the
 * name as sent, or after its provider (`openai/gpt-4o` is gpt-4o). Undefined when the model is
 * not known or has no price there (local models, other providers).
 */
export function modelPrice(model: string): ModelPrice | undefined {
  const name = model.includes('/') ? model.slice(model.indexOf('/') + 1) : model;
  const main = Object.hasOwn(known, name) ? known[name]?.price_data?.main : undefined;
  if (main?.input === undefined || main.output === undefined) return undefined;
  return { input: main.input, output: main.output };
}
