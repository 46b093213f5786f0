import { CATALOG, type ModelId } from '@autoencoders/modelkit';
import type { Metrics } from './metrics.ts';

const num = (x: number | undefined, digits = 4) => (x === undefined ? '' : x.toFixed(digits));

/** What the model achieved beyond BCE: the sparse/simple code activation, PSNR, the VAE's ELBO terms. */
function extra(m: Metrics): string {
  const t = m.test;
  if (t.psnrDenoised !== undefined)
    return `PSNR ${num(t.psnrNoisy, 1)} dB noisy → ${num(t.psnrDenoised, 1)} dB denoised (mean per image; ${num(t.psnrDenoisedOfMse, 1)} dB of the set's MSE)`;
  if (t.vae)
    return `loss/sample, z sampled ${num(t.vae.total, 1)} (784·BCE ${num(t.vae.reconstruction, 1)} + KL ${num(t.vae.kl, 2)}); z = mean ${num(t.vae.totalAtMean, 1)}`;
  if (t.meanCodeActivation !== undefined) return `mean code ${num(t.meanCodeActivation, 2)}`;
  return '';
}

const POST_EXTRA: Partial<Record<ModelId, string>> = {
  simple: 'mean code 7.30',
  sparse: 'mean code 3.33',
};

/** A Markdown table of the runs next to the post's figures. */
export function summaryTable(runs: Metrics[]): string {
  const header = [
    'model',
    'epochs',
    'train images',
    'samples/s',
    'time',
    'test BCE',
    'test MSE',
    'post BCE',
    'other',
  ];
  const rows = runs.map((m) => [
    m.model,
    String(m.epochs),
    m.trainSamples.toLocaleString('en-US'),
    Math.round(m.trainSamplesPerSecond).toLocaleString('en-US'),
    `${m.seconds.toFixed(0)} s`,
    num(m.test.bce),
    num(m.test.mse),
    CATALOG[m.model].post.testBce?.toFixed(3) ?? '–',
    [extra(m), POST_EXTRA[m.model] && `(post: ${POST_EXTRA[m.model]})`].filter(Boolean).join(' '),
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
