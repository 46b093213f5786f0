import * as tf from '@tensorflow/tfjs';

/**
 * Binary cross-entropy per pixel, from logits: max(l, 0) − l·y + log(1 + e^−|l|), averaged.
 * Computing it from logits rather than from the sigmoid output avoids clipping and saturated
 * gradients, and is what Keras does under the hood for a sigmoid layer followed by this loss.
 * Its gradient has the closed form (sigmoid(l) − y)/n: one fused expression instead of back-propagating
 * through the six ops of the forward pass, the largest per-step saving for the dense models.
 * The targets are constants (images), so no gradient flows to them.
 */
export function bceFromLogits(logits: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [l, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([l]);
    const perPixel = tf.add(tf.sub(tf.relu(l), tf.mul(l, target)), tf.log1p(tf.exp(tf.neg(tf.abs(l)))));
    return {
      value: tf.mean(perPixel) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.mul(tf.sub(tf.sigmoid(saved[0] as tf.Tensor), target), tf.div(dy, l.size)),
    };
  });
  return loss(logits) as tf.Scalar;
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
