import type { ChatModel, Completion, CompletionRequest } from '../engine/chat-model.js';

/** A chat model with a live key count (a key pool, or several). */
export interface PooledChatModel extends ChatModel {
  readonly liveKeys: number;
}

/**
 * Sends each request to the server its model names: `provider/model` to that provider (with the
 * prefix taken off, so the server sees its own model name), anything else to the main server.
 * Only providers configured here count; other slashes are part of a model's name.
 */
export class ProviderChatModel implements PooledChatModel {
  constructor(
    private readonly main: PooledChatModel,
    private readonly providers: ReadonlyMap<string, PooledChatModel>,
  ) {}

  /** Which model answers `model`, and under which name. */
  route(model: string): { readonly to: PooledChatModel; readonly model: string; readonly provider: string | undefined } {
    const slash = model.indexOf('/');
    const provider = slash > 0 ? model.slice(0, slash) : undefined;
    const to = provider === undefined ? undefined : this.providers.get(provider);
    if (to === undefined) return { to: this.main, model, provider: undefined };
    return { to, model: model.slice(slash + 1), provider };
  }

  complete(request: CompletionRequest, onText: (textSoFar: string) => void): Promise<Completion> {
    const { to, model } = this.route(request.model);
    return to.complete({ ...request, model }, onText);
  }

  /** Keys alive across every pool. */
  get liveKeys(): number {
    let keys = this.main.liveKeys;
    for (const pool of this.providers.values()) keys += pool.liveKeys;
    return keys;
  }
}
