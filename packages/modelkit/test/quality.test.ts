import { describe, expect, it } from 'vitest';
import { MODEL_IDS } from '../src/catalog.ts';
import { checkTargets, QUALITY_TARGETS } from '../src/quality.ts';

describe('release targets', () => {
  it('exist for every model', () => {
    for (const id of MODEL_IDS) expect(QUALITY_TARGETS[id].length, id).toBeGreaterThan(0);
  });

  it('compare with the bound in the right direction, the bound itself included', () => {
    expect(checkTargets('simple', { bce: 0.092, mse: 0 })[0]?.met).toBe(true);
    expect(checkTargets('simple', { bce: 0.0921, mse: 0 })[0]?.met).toBe(false);
    expect(checkTargets('denoise', { bce: 0.1, mse: 0, psnrDenoised: 20 })[0]?.met).toBe(true);
    expect(checkTargets('denoise', { bce: 0.1, mse: 0, psnrDenoised: 19.99 })[0]?.met).toBe(false);
    expect(checkTargets('vae', { bce: 0.1, mse: 0, vaeTotal: 146 })[0]).toMatchObject({
      met: false,
      description: 'loss per sample 146.0 ≤ 145.0',
    });
  });

  it('count a missing or non-finite figure as not met', () => {
    expect(checkTargets('denoise', { bce: 0.05, mse: 0 })[0]).toMatchObject({ met: false, value: null });
    expect(checkTargets('simple', { bce: Number.NaN, mse: 0 })[0]?.met).toBe(false);
  });

  it("resolve sparse's code bound against simple's figures", () => {
    const sparse = { bce: 0.095, mse: 0, meanCodeActivation: 3.2 };
    const [bce, code] = checkTargets('sparse', sparse, {
      simple: { bce: 0.09, mse: 0, meanCodeActivation: 8 },
    });
    expect(bce?.met).toBe(true);
    expect(code).toMatchObject({
      met: true,
      limit: 4,
      description: "mean code 3.20 ≤ 4.00 (0.5 × simple's)",
    });
    expect(
      checkTargets('sparse', sparse, { simple: { bce: 0.09, mse: 0, meanCodeActivation: 6 } })[1]?.met,
    ).toBe(false);
    // Without simple's figures the bound is unknown: not met.
    expect(checkTargets('sparse', sparse)[1]).toMatchObject({ met: false, limit: null });
  });
});
