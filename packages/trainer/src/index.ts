// The trainer as a library: what the exporter and the benchmarks build on.
export { type BackendChoice, type BackendInfo, selectBackend } from './backend.ts';
export { parseIdx } from './data/idx.ts';
export { type Dataset, defaultDataDir, loadDataset, type Split } from './data/mnist.ts';
export { UserError } from './errors.ts';
export { writeDirAtomic, writeFileAtomic } from './io/atomic.ts';
export { loadLayersModel, saveLayersModel } from './io/layers-model.ts';
export { MODELS } from './models/index.ts';
export type { Loss, ModelDefinition, Networks, SavedNetworks, TrainingBatch } from './models/types.ts';
export type { Metrics } from './run.ts';
