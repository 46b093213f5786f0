// onnx-proto is CommonJS that assigns its namespace onto `module.exports` at run time, so Node's
// ESM loader cannot see a named `onnx` export: take it from the default export, once, here.
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** The ONNX versions every exported file declares (see the project's field notes). */
export const IR_VERSION = 8;
export const OPSET = 17;
