import { describe, expect, it } from 'vitest';
import { klWeightAt, learningRateAt, profileDefaults, splitTraining } from '../src/train/config.ts';
import { config } from './helpers.ts';

describe('the held-out validation images', () => {
  it.each([
    [60_000, 5_000, null, { start: 0, count: 55_000 }, { start: 55_000, count: 5_000 }],
    [60_000, 5_000, 40_000, { start: 0, count: 40_000 }, { start: 55_000, count: 5_000 }],
    // A limit past what is left trains on all that is left, never on a held-out image.
    [60_000, 5_000, 58_000, { start: 0, count: 55_000 }, { start: 55_000, count: 5_000 }],
    [1_000, 999, null, { start: 0, count: 1 }, { start: 1, count: 999 }],
    [1_000, 1_000, null, { start: 0, count: 0 }, { start: 0, count: 1_000 }],
  ])(
    'of %i images, %i held out, limit %s, never overlap the training images',
    (count, validation, limit, train, held) => {
      const split = splitTraining(count, { validation, limit });
      expect(split.train).toEqual(train);
      expect(split.validation).toEqual(held);
      expect(split.train.start + split.train.count).toBeLessThanOrEqual(split.validation.start);
      expect(split.validation.start + split.validation.count).toBe(count);
    },
  );

  it('are the last 5,000 training images in the full profile, 1,000 in the quick one', () => {
    expect(profileDefaults('full', 'conv').validation).toBe(5_000);
    expect(profileDefaults('quick', 'conv').validation).toBe(1_000);
  });
});

describe('learning-rate schedules', () => {
  it('step: divides by 10 after each drop epoch', () => {
    const run = config('simple', { learningRate: 1e-3, learningRateDrops: [2, 4], epochs: 6 });
    [1e-3, 1e-3, 1e-4, 1e-4, 1e-5].forEach((rate, i) => {
      expect(learningRateAt(run, i + 1, 0.5)).toBeCloseTo(rate, 15);
    });
  });

  it('cosine: falls step by step from the rate to 0 over all the epochs', () => {
    const run = config('simple', { learningRate: 2e-3, schedule: 'cosine', epochs: 4 });
    expect(learningRateAt(run, 1, 0)).toBe(2e-3);
    expect(learningRateAt(run, 3, 0)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(run, 4, 0.999)).toBeLessThan(1e-8);
    const rates = [1, 2, 3, 4].flatMap((e) => [0, 0.25, 0.5, 0.75].map((p) => learningRateAt(run, e, p)));
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThan(rates[i - 1] as number);
  });
});

describe('KL warm-up', () => {
  it("raises the VAE's KL weight linearly to 1, then keeps it there", () => {
    const run = config('vae', { klWarmup: 4 });
    expect(klWeightAt(run, 1, 0)).toBe(0);
    expect(klWeightAt(run, 2, 0.5)).toBe(0.375);
    expect(klWeightAt(run, 5, 0)).toBe(1);
    expect(klWeightAt(run, 9, 0.5)).toBe(1);
    expect(klWeightAt(config('vae'), 1, 0)).toBe(1);
  });
});
