/**
 * A mistake the user can fix (a bad option, a missing artifacts folder): the trainer's, so that what
 * its atomic writes refuse is one too. The CLI prints its message as one line and exits with code 2,
 * as the trainer's CLI does; anything else exits with 1.
 */
export { UserError } from '@autoencoders/trainer/artifacts';

/** An exported file would give different answers from the tfjs model it came from. */
export class ParityError extends Error {
  override name = 'ParityError';
}
