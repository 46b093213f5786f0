import * as tf from '@tensorflow/tfjs';

/**
 * Parity compares against tfjs's plain JavaScript backend: exact float32 arithmetic, fast enough for
 * these small models, and the same on every machine.
 */
export async function useCpuBackend(): Promise<void> {
  // tfjs prints an advert for tfjs-node on first use in Node.
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu' && !(await tf.setBackend('cpu')))
    throw new Error('tfjs cpu backend failed to start');
}
