/**
 * A mistake the user can fix (a bad option, a broken data file). The CLI prints its message as
 * one line and exits with code 2; anything else is a bug and keeps its stack trace.
 */
export class UserError extends Error {
  override name = 'UserError';
}
