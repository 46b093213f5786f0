import { CATALOG, type Manifest, type ManifestFileRole, type ModelId } from '@autoencoders/modelkit';
import { findModels, loadArtifacts } from './artifacts.ts';
import { useCpuBackend } from './backend.ts';
import { UserError } from './errors.ts';
import { exportNetworks } from './export-networks.ts';
import { GENERATOR } from './generator.ts';
import { figurePath, type Release, writeModelsFolder } from './output.ts';

export interface ExportOptions {
  /** The trainer's artifacts folder: `<inDir>/<id>/{autoencoder,encoder,decoder}/model.json`. */
  inDir: string;
  /** Receives `<id>.onnx`, `<id>.encoder.onnx`, `<id>.decoder.onnx` and `manifest.json`. */
  outDir: string;
  /** Which models; every model found in `inDir` by default. */
  models?: readonly ModelId[];
  /** Parity inputs, [n × 784] floats in [0, 1]. */
  images: Float32Array;
  tolerance?: number;
  /** Progress lines for people. */
  log?: (line: string) => void;
  /** The manifest's `createdAt`; now by default. */
  now?: Date;
}

/** One row of the report: a written file and how it compared with tfjs. */
export interface ExportedFileSummary {
  model: ModelId;
  role: ManifestFileRole;
  path: string;
  bytes: number;
  maxAbsDiff: number;
  samples: number;
}

export interface ExportResult {
  manifest: Manifest;
  files: ExportedFileSummary[];
}

/**
 * Exports the named (or all trained) models, checking every file against tfjs, then swaps the
 * new files into `outDir`. Nothing is written unless every file passes.
 */
export async function exportModels(options: ExportOptions): Promise<ExportResult> {
  await useCpuBackend();
  const found = await findModels(options.inDir);
  const ids = options.models ?? found;
  if (ids.length === 0)
    throw new UserError(`${options.inDir}: holds no trained models (train first: pnpm train)`);
  const missing = ids.filter((id) => !found.includes(id));
  if (missing.length > 0) {
    throw new UserError(
      `${options.inDir}: no trained ${missing.join(', ')} (found: ${found.join(', ') || 'none'}); train first: pnpm train --model ${missing.join(',')}`,
    );
  }

  const releases: Release[] = [];
  for (const id of ids) {
    const artifacts = await loadArtifacts(options.inDir, id);
    try {
      options.log?.(`${id}: converting and checking against tfjs`);
      const files = await exportNetworks(id, artifacts.networks, {
        images: options.images,
        ...(options.tolerance !== undefined && { tolerance: options.tolerance }),
      });
      releases.push({
        files,
        figures: artifacts.figures,
        model: {
          id,
          title: CATALOG[id].title,
          operations: [...CATALOG[id].operations],
          // The figures travel with the model, under figures/<id>/ of the models folder.
          metrics: { ...artifacts.metrics, figures: artifacts.figures.map((f) => figurePath(id, f.name)) },
          provenance: artifacts.provenance,
          files: files.map((f) => f.entry),
        },
      });
    } finally {
      for (const model of Object.values(artifacts.networks)) model?.dispose();
    }
  }

  const manifest = await writeModelsFolder(options.outDir, releases, options.now ?? new Date(), GENERATOR);
  return {
    manifest,
    files: releases.flatMap((r) =>
      r.files.map(({ entry }) => ({
        model: r.model.id,
        role: entry.role,
        path: entry.path,
        bytes: entry.bytes,
        maxAbsDiff: entry.parity.maxAbsDiff,
        samples: entry.parity.samples,
      })),
    ),
  };
}
