import * as tf from '@tensorflow/tfjs';

/**
 * Binary cross-entropy per pixel from logits l, averaged: −y·log σ(l) − (1 − y)·log(1 − σ(l)).
 * Computing it from logits avoids clipping and saturated gradients, as Keras does internally for a
 * sigmoid layer followed by this loss. The form used, relu(l) − l·y − log(max(σ(l), 1 − σ(l))), is
 * exact and needs σ(l) once, which the closed-form gradient (σ(l) − y)/n reuses: the wasm backend's
 * Sigmoid is vectorised while its Exp and Log1p are scalar loops, and back-propagating through the
 * forward ops would cost twice as many kernels. The targets are constants (images): no gradient
 * flows to them.
 */
export function bceFromLogits(logits: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [l, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const s = tf.sigmoid(l);
    save([s]);
    const perPixel = tf.sub(tf.sub(tf.relu(l), tf.mul(l, target)), tf.log(tf.maximum(s, tf.sub(1, s))));
    return {
      value: tf.mean(perPixel) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.mul(tf.sub(saved[0] as tf.Tensor, target), tf.div(dy, l.size)),
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
