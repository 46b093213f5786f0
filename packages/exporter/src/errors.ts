/**
 * A mistake the user can fix (a bad option, a missing artifacts folder). The CLI prints its message
 * as one line and exits with code 2, as the trainer's CLI does; anything else exits with 1.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** An exported file would give different answers from the tfjs model it came from. */
export class ParityError extends Error {
  override name = 'ParityError';
}
