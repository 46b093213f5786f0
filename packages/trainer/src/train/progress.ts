import cliProgress from 'cli-progress';
import type { EpochRecord } from './train.ts';

/** What the training loop tells whoever watches it. */
export interface Progress {
  startEpoch(model: string, epoch: number, epochs: number, samples: number): void;
  step(samplesDone: number, stats: { loss: number; samplesPerSecond: number }): void;
  endEpoch(record: EpochRecord): void;
  message(line: string): void;
}

export const silentProgress: Progress = {
  startEpoch() {},
  step() {},
  endEpoch() {},
  message() {},
};

const fmt = (x: number) =>
  Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(2) : x.toFixed(4)) : String(x);

/**
 * A bar per epoch with ETA, loss and throughput on a terminal; one line per epoch where the output
 * is a log (CI, a pipe), so logs stay readable.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let label = '';
  return {
    startEpoch(model, epoch, epochs, samples) {
      label = `${model.padEnd(7)} epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`;
      if (!tty) return;
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label} {bar} {percentage}% | ETA {eta_formatted} | loss {loss} | {speed} samples/s`,
          barsize: 24,
          hideCursor: true,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(samples, 0, { loss: '-', speed: '-' });
    },
    step(done, { loss, samplesPerSecond }) {
      bar?.update(done, { loss: fmt(loss), speed: Math.round(samplesPerSecond).toLocaleString('en-US') });
    },
    endEpoch(record) {
      bar?.stop();
      bar = undefined;
      const terms = record.valTerms
        ? ` (${Object.entries(record.valTerms)
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(', ')})`
        : '';
      // The figures a release target is written in, where the loss alone does not show them.
      const q = record.quality;
      const quality = [
        q?.psnrDenoised !== undefined && `PSNR ${q.psnrDenoised.toFixed(2)} dB`,
        q?.meanCodeActivation !== undefined && `code ${q.meanCodeActivation.toFixed(2)}`,
      ]
        .filter(Boolean)
        .map((s) => ` | ${s}`)
        .join('');
      stream.write(
        `${label} loss ${fmt(record.loss)} | val ${fmt(record.valLoss)}${terms}${quality} | ${record.seconds.toFixed(1)} s | ${Math.round(record.samplesPerSecond).toLocaleString('en-US')} samples/s\n`,
      );
    },
    message(line) {
      bar?.stop();
      stream.write(`${line}\n`);
    },
  };
}
