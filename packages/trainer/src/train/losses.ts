import * as tf from '@tensorflow/tfjs';

/**
 * Binary cross-entropy per pixel, from logits: max(l, 0) − l·y + log(1 + e^−|l|).
 * Computing it from logits rather than from the sigmoid output avoids clipping and saturated
 * gradients, and is what Keras does under the hood for a sigmoid layer followed by this loss.
 */
export function bceFromLogits(logits: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const perPixel = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, target)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    );
    return tf.mean(perPixel) as tf.Scalar;
  });
}

/** Binary cross-entropy per pixel between probabilities and targets, for evaluation. */
export function bce(probabilities: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const eps = 1e-7;
    const p = tf.clipByValue(probabilities, eps, 1 - eps);
    const perPixel = tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log1p(tf.neg(p))));
    return tf.neg(tf.mean(perPixel)) as tf.Scalar;
  });
}
