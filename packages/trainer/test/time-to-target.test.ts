import { describe, expect, it } from 'vitest';
import { timeToPost, timeToTarget } from '../src/run.ts';
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
      epoch(3, 0.0895, 10),
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

describe("time to the post's figure", () => {
  it("is the training time up to the first epoch whose validation BCE reaches the post's test BCE", () => {
    const history = [epoch(1, 0.12, 12), epoch(2, 0.1, 11), epoch(3, 0.093, 10)];
    expect(timeToPost('conv', history)).toEqual({ bce: 0.094, epoch: 3, seconds: 33 });
    expect(timeToPost('simple', history)).toEqual({ bce: 0.11, epoch: 2, seconds: 23 });
    expect(timeToPost('deep', history.slice(0, 1))).toBeNull();
    // The post gives no figure for the denoiser.
    expect(timeToPost('denoise', history)).toBeNull();
  });
});
