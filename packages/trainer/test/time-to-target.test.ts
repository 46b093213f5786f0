import { describe, expect, it } from 'vitest';
import { timeToTarget } from '../src/run.ts';
import type { EpochRecord } from '../src/train/train.ts';

const epoch = (n: number, bce: number, seconds = 10): EpochRecord => ({
  epoch: n,
  loss: bce,
  valLoss: bce,
  quality: { bce, mse: 0 },
  seconds,
  samplesPerSecond: 6000,
});

describe('time to target', () => {
  it('is the training time up to the first epoch that meets every target', () => {
    const history = [
      epoch(1, 0.2, 12),
      epoch(2, 0.1, 11),
      epoch(3, 0.091, 10),
      epoch(4, 0.093),
      epoch(5, 0.09),
    ];
    expect(timeToTarget('simple', history, {}, 10_000)).toEqual({
      epoch: 3,
      seconds: 33,
      validationImages: 10_000,
    });
  });

  it('is null when no epoch meets the targets, or the history has no figures', () => {
    expect(timeToTarget('simple', [epoch(1, 0.2)], {}, 10_000)).toBeNull();
    const { quality: _, ...bare } = epoch(1, 0.05);
    expect(timeToTarget('simple', [bare], {}, 10_000)).toBeNull();
  });
});
