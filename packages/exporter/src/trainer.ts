// Everything the exporter takes from the trainer, in one place.
export { parseIdx } from '../../trainer/src/data/idx.ts';
export { defaultDataDir } from '../../trainer/src/data/mnist.ts';
export { loadLayersModel } from '../../trainer/src/io/layers-model.ts';
