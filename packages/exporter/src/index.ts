// The exporter as a library: the CLI (cli.ts) is a thin shell over exportModels.
export { findModels, loadArtifacts, type ModelArtifacts } from './artifacts.ts';
export { useCpuBackend } from './backend.ts';
export { type ConvertOptions, convertLayersModel } from './convert.ts';
export { CONVERTERS, SUPPORTED_ACTIVATIONS, UnsupportedLayerError } from './converters/index.ts';
export { ParityError, UserError } from './errors.ts';
export { type ExportedFileSummary, type ExportOptions, type ExportResult, exportModels } from './export.ts';
export {
  type ExportedFile,
  type ExportNetworksOptions,
  exportNetworks,
  type Networks,
} from './export-networks.ts';
export { GENERATOR } from './generator.ts';
export { defaultImagesFile, randomNormal, randomUniform, readIdxImages } from './inputs.ts';
export { fileName, ioNames } from './naming.ts';
export {
  FLOAT16_MAX,
  FLOAT16_MIN_ELEMENTS,
  type Float16Options,
  type Float16Result,
  float16Bits,
  float16Value,
  float16Weights,
} from './onnx/float16.ts';
export { IR_VERSION, OPSET } from './onnx/proto.ts';
export { MANIFEST_FILE, replaceFolder, writeModelsFolder } from './output.ts';
export { type Batch, measureParity, PARITY_TOLERANCE, predict, runOnnx } from './parity.ts';
export { formatFloat16Table, formatTable } from './report.ts';
export {
  addFloat16Variants,
  FLOAT16_AGREEMENT_SAMPLES,
  FLOAT16_TOLERANCE,
  type Float16Decision,
  type Float16VariantsOptions,
  type Float16VariantsResult,
  float16Name,
  precisionMetrics,
  relativeChange,
} from './variants.ts';
