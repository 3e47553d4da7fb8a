import { type AccessPolicy, type Asker, decideAccess } from '../domain/access.js';
import type { SlidingWindowLimiter } from '../domain/rate-limit.js';
import type { Refusal } from './problems.js';

/** What is being asked for: a question to answer, or a command on memory. */
export type Request = 'question' | 'command';

/** One check every request of the kinds it covers must pass, written once for every surface. */
export interface Precondition {
  readonly covers: readonly Request[];
  check(asker: Asker, now: number): Refusal | undefined;
}

/** The allow-lists and block-list: for questions and commands alike. */
export function accessPrecondition(policy: AccessPolicy): Precondition {
  return {
    covers: ['question', 'command'],
    check(asker) {
      const decision = decideAccess(asker, policy);
      return decision === 'allowed' ? undefined : { code: 'not_enabled', decision };
    },
  };
}

/**
 * Questions per user per minute. Commands are not counted: they are cheap, and moderators must
 * be able to clean up memory while someone floods it.
 */
export function rateLimitPrecondition(limiter: SlidingWindowLimiter): Precondition {
  return {
    covers: ['question'],
    check(asker, now) {
      const decision = limiter.take(asker.userId, now);
      if (decision.allowed) return undefined;
      return { code: 'rate_limited', limit: limiter.limit, retryAfterMs: decision.retryAfterMs, notify: decision.notify };
    },
  };
}

/** The first refusal among `preconditions` for `request`, in order; undefined when all pass. */
export function admit(preconditions: readonly Precondition[], request: Request, asker: Asker, now: number): Refusal | undefined {
  for (const precondition of preconditions) {
    if (!precondition.covers.includes(request)) continue;
    const refusal = precondition.check(asker, now);
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}
