import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ManifestError,
  type ManifestImageUse,
  type ManifestProvenance,
  MODEL_IDS,
  type ModelId,
  parseImageUse,
} from '@autoencoders/modelkit';
import { loadLayersModel } from '@autoencoders/trainer/artifacts';
import { UserError } from './errors.ts';
import type { Networks } from './export-networks.ts';

/** One trained model as the trainer leaves it in `<artifacts>/<id>/`. */
export interface ModelArtifacts {
  id: ModelId;
  networks: Networks;
  /** `metrics.json`, or `{}` when the run wrote none. */
  metrics: Record<string, unknown>;
  provenance: ManifestProvenance;
  /** The trainer's pictures (`figures/*.png`): reconstructions, codes, loss curve, latent space. */
  figures: { name: string; data: Uint8Array }[];
}

const isFile = (file: string) =>
  stat(file).then(
    (s) => s.isFile(),
    () => false,
  );

const hasModel = (dir: string) => isFile(path.join(dir, 'autoencoder', 'model.json'));

/** The models with a saved autoencoder under `inDir`, in catalogue order. */
export async function findModels(inDir: string): Promise<ModelId[]> {
  let entries: string[];
  try {
    entries = await readdir(inDir);
  } catch {
    throw new UserError(`${inDir}: no such artifacts folder (train first: pnpm train)`);
  }
  const found: ModelId[] = [];
  for (const id of MODEL_IDS) {
    if (entries.includes(id) && (await hasModel(path.join(inDir, id)))) found.push(id);
  }
  return found;
}

async function readMetrics(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  const json: unknown = JSON.parse(text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UserError(`${file}: expected a JSON object`);
  }
  return json as Record<string, unknown>;
}

/** What the run recorded about itself; the save time of the weights where it did not say. */
function provenance(metrics: Record<string, unknown>, savedAt: Date, file: string): ManifestProvenance {
  const { command, seed, dataset, trainedAt } = metrics;
  return {
    command:
      typeof command === 'string' && command !== ''
        ? command
        : Array.isArray(command)
          ? command.map(String).join(' ')
          : null,
    seed: typeof seed === 'number' && Number.isFinite(seed) ? seed : null,
    dataset: typeof dataset === 'string' && dataset !== '' ? dataset : null,
    trainedAt:
      typeof trainedAt === 'string' && !Number.isNaN(Date.parse(trainedAt))
        ? trainedAt
        : savedAt.toISOString(),
    ...(metrics.images !== undefined && { images: imageUse(metrics.images, file) }),
  };
}

/** metrics.json's `images`, checked as the manifest will check it (e.g. no overlap). */
function imageUse(images: unknown, file: string): ManifestImageUse {
  try {
    return parseImageUse(images);
  } catch (error) {
    if (error instanceof ManifestError) throw new UserError(`${file}: ${error.message}`);
    throw error;
  }
}

export async function loadArtifacts(inDir: string, id: ModelId): Promise<ModelArtifacts> {
  const dir = path.join(inDir, id);
  if (!(await hasModel(dir))) {
    throw new UserError(
      `${dir}: no trained ${id} model (autoencoder/model.json); train it first: pnpm train --model ${id}`,
    );
  }
  const load = async (role: string) =>
    (await isFile(path.join(dir, role, 'model.json'))) ? loadLayersModel(path.join(dir, role)) : undefined;
  const autoencoder = await loadLayersModel(path.join(dir, 'autoencoder'));
  const encoder = await load('encoder');
  const decoder = await load('decoder');
  const metrics = await readMetrics(path.join(dir, 'metrics.json'));
  const savedAt = (await stat(path.join(dir, 'autoencoder', 'model.json'))).mtime;
  return {
    id,
    networks: { autoencoder, ...(encoder && { encoder }), ...(decoder && { decoder }) },
    metrics,
    provenance: provenance(metrics, savedAt, path.join(dir, 'metrics.json')),
    figures: await readFigures(path.join(dir, 'figures')),
  };
}

async function readFigures(dir: string): Promise<ModelArtifacts['figures']> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const pngs = names.filter((n) => n.endsWith('.png')).sort();
  return Promise.all(pngs.map(async (name) => ({ name, data: await readFile(path.join(dir, name)) })));
}
