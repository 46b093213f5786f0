import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  MANIFEST_VERSION,
  type Manifest,
  type ManifestModel,
  MODEL_IDS,
  type ModelId,
  parseManifest,
} from '@autoencoders/modelkit';
import { writeDirAtomic } from '@autoencoders/trainer/artifacts';
import { UserError } from './errors.ts';
import type { ExportedFile } from './export-networks.ts';

export const MANIFEST_FILE = 'manifest.json';

/** One model's new files and manifest entry. */
export interface Release {
  model: ManifestModel;
  files: ExportedFile[];
  /** PNG pictures of the model, written to `figures/<id>/`. */
  figures?: { name: string; data: Uint8Array }[];
}

/** Where a model's figure goes, relative to the models folder. */
export const figurePath = (id: ModelId, name: string): string => `figures/${id}/${name}`;

export async function previousManifest(outDir: string): Promise<Manifest | null> {
  const file = path.join(outDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return parseManifest(JSON.parse(text));
  } catch (error) {
    // Merging into a manifest we cannot read would drop the models it lists.
    throw new UserError(`${file}: ${(error as Error).message} (fix it, or export into another --out folder)`);
  }
}

/** Models in catalogue order, so that re-exports give the same file. */
function sortModels(models: Manifest['models']): Manifest['models'] {
  const sorted: Manifest['models'] = {};
  for (const id of MODEL_IDS) if (models[id]) sorted[id] = models[id];
  return sorted;
}

/**
 * Replaces `outDir` with a copy holding the new releases, merged into what it held: other models'
 * files and manifest entries stay. Everything is written into a sibling folder first and swapped in
 * by renames, so a failure at any point leaves the previous folder as it was.
 */
export async function writeModelsFolder(
  outDir: string,
  releases: readonly Release[],
  createdAt: Date,
  generator: Manifest['generator'],
): Promise<Manifest> {
  const previous = await previousManifest(outDir);
  const replaced = new Set<ModelId>(releases.map((r) => r.model.id));
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    createdAt: createdAt.toISOString(),
    generator,
    models: sortModels({
      ...previous?.models,
      ...Object.fromEntries(releases.map((r) => [r.model.id, r.model])),
    }),
  };

  await replaceFolder(outDir, async (tmp) => {
    // A re-exported model may have lost a network: its old files, and their float16 variants (made
    // from the old weights), must not linger.
    for (const id of replaced) {
      for (const file of previous?.models[id]?.files ?? []) {
        for (const p of [file.path, ...(file.variants ?? []).map((v) => v.path)])
          await rm(path.join(tmp, p), { force: true });
      }
      await rm(path.join(tmp, path.dirname(figurePath(id, 'x'))), { recursive: true, force: true });
    }
    for (const release of releases) {
      for (const file of release.files) await writeFile(path.join(tmp, file.entry.path), file.data);
      for (const figure of release.figures ?? []) {
        const file = path.join(tmp, figurePath(release.model.id, figure.name));
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, figure.data);
      }
    }
    await writeManifest(tmp, manifest);
  });
  return manifest;
}

/** `manifest.json` as the exporter lays it out. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Replaces `outDir` with a copy of it changed by `edit`: everything is written into a sibling
 * folder first and swapped in by renames, so a failure at any point leaves the previous folder as
 * it was (the trainer's writeDirAtomic, starting from the folder's current contents).
 */
export function replaceFolder(outDir: string, edit: (tmp: string) => Promise<void>): Promise<void> {
  return writeDirAtomic(outDir, edit, { from: 'current' });
}
