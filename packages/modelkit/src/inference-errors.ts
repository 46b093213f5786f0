/** What the model runner refuses, each a subclass of InferenceError so callers can map them (the API to problems). */
import type { Operation } from './catalog.ts';

/** Base class of the runner's errors, so a caller can tell them from its own. */
export class InferenceError extends Error {
  override name = 'InferenceError';
}

/** The manifest has no model of that id (it may be a valid id whose export was skipped). */
export class UnknownModelError extends InferenceError {
  override name = 'UnknownModelError';
  constructor(
    readonly model: string,
    readonly known: readonly string[],
  ) {
    super(`unknown model '${model}'; this manifest serves ${known.join(', ')}`);
  }
}

/** The model exists but does not serve the operation (e.g. `decode` on denoise). */
export class UnsupportedOperationError extends InferenceError {
  override name = 'UnsupportedOperationError';
  constructor(
    readonly model: string,
    readonly operation: Operation,
    readonly served: readonly Operation[],
  ) {
    super(`model '${model}' does not serve '${operation}'; it serves ${served.join(', ')}`);
  }
}

/** An input whose size or values do not fit the model's input tensor. */
export class InputShapeError extends InferenceError {
  override name = 'InputShapeError';
}

/** A model file that could not be read (not bundled, not found, a failed fetch). */
export class ModelUnavailableError extends InferenceError {
  override name = 'ModelUnavailableError';
  constructor(
    readonly path: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`model file ${path} could not be read: ${reason}`, options);
  }
}

/** A model file whose bytes are not the ones the manifest describes. */
export class ModelIntegrityError extends InferenceError {
  override name = 'ModelIntegrityError';
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`model file ${path} has SHA-256 ${actual}, but the manifest lists ${expected}`);
  }
}
