/**
 * Errors a person caused or can fix. The message is shown to them as it is, so it says what was
 * wrong and what is allowed. Anything that is not a UserError is a bug or an outage and is logged.
 */
export type UserErrorCode =
  | 'empty_history'
  | 'rollback_out_of_range'
  | 'index_out_of_range'
  | 'bad_indices'
  | 'bad_limit'
  | 'message_too_long'
  | 'empty_message'
  | 'context_over_budget'
  | 'bad_forge'
  | 'rate_limited'
  | 'not_enabled'
  | 'model_unavailable';

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
