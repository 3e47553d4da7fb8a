import type { Logger } from '../../logger.js';

/** One readiness check: undefined when it passes, else why not (shown on /readyz, so no secrets). */
export type ReadinessCheck = () => Promise<string | undefined> | string | undefined;

export interface ReadinessReport {
  readonly ready: boolean;
  /** Each check's name, and `ok` or why it failed. */
  readonly checks: Readonly<Record<string, string>>;
}

/** How long a check may take before it counts as failed: a probe must answer before its own timeout. */
export const CHECK_TIMEOUT_MS = 2_000;

/**
 * Runs named checks together, each within a time limit. A check that throws fails with a short
 * reason; its error goes to the log, which redacts secrets, not to the HTTP answer. Changes of
 * state are logged once each, not on every probe.
 */
export class Readiness {
  private last: boolean | undefined;

  constructor(
    private readonly checks: Readonly<Record<string, ReadinessCheck>>,
    private readonly logger: Logger,
    private readonly timeoutMs = CHECK_TIMEOUT_MS,
  ) {}

  async check(): Promise<ReadinessReport> {
    const errors: Record<string, unknown> = {};
    const results = await Promise.all(
      Object.entries(this.checks).map(async ([name, check]) => {
        const failed = await this.within(check).catch((error: unknown) => {
          errors[name] = error;
          return error instanceof CheckTimeout ? error.message : 'failed (see the log)';
        });
        return [name, failed ?? 'ok'] as const;
      }),
    );
    const checks = Object.fromEntries(results);
    const ready = results.every(([, result]) => result === 'ok');
    if (ready !== this.last) {
      if (ready) this.logger.info({ checks }, 'ready');
      else this.logger.warn({ checks }, 'not ready');
      for (const [name, error] of Object.entries(errors)) this.logger.warn({ check: name, err: error }, 'readiness check failed');
      this.last = ready;
    }
    return { ready, checks };
  }

  private async within(check: ReadinessCheck): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(check),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new CheckTimeout(this.timeoutMs)), this.timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

class CheckTimeout extends Error {
  override readonly name = 'CheckTimeout';
  constructor(ms: number) {
    super(`no answer within ${String(ms)} ms`);
  }
}
