/**
 * `@autoencoders/trainer/artifacts`: what other packages (the exporter) need to read and write what
 * the trainer produces, without loading the trainer itself: its layers-model files, atomic writes,
 * and the IDX data it trains on.
 */
export { parseIdx } from './data/idx.ts';
export { defaultDataDir } from './data/mnist.ts';
export { UserError } from './errors.ts';
export { writeDirAtomic, writeFileAtomic } from './io/atomic.ts';
export { loadLayersModel, saveLayersModel } from './io/layers-model.ts';
export type { SavedNetworks } from './models/types.ts';
