/**
 * Running the released ONNX models, whichever onnxruntime the caller has: onnxruntime-web in a Worker
 * or a page, onnxruntime-node in tests. The runtime is injected (see {@link OrtLike}) so that this file
 * stays pure TypeScript and the caller decides how sessions are made (workerd needs a workaround the
 * browser does not). Sessions are created on first use and reused; every file's SHA-256 is checked
 * against the manifest before a session is made from it.
 */
import { IMAGE_SIZE, type ModelId, type Operation } from './catalog.ts';
import {
  InferenceError,
  InputShapeError,
  ModelIntegrityError,
  ModelUnavailableError,
  UnknownModelError,
  UnsupportedOperationError,
} from './inference-errors.ts';
import type { Manifest, ManifestFile, ManifestFileRole, ManifestModel, ManifestTensor } from './manifest.ts';
import { manifoldPoints } from './manifold.ts';

/** The part of an onnxruntime tensor the runner reads. */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** The part of an onnxruntime `InferenceSession` the runner uses. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
}

/**
 * The part of an onnxruntime namespace (`import * as ort from 'onnxruntime-web'` or `-node`) the
 * runner needs. Structural, so that modelkit depends on no onnxruntime package; pass the namespace
 * itself, or an object whose `create` wraps the real one.
 */
export interface OrtLike {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike;
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSessionLike> };
}

/** Float32 values with their shape; the first dimension is the batch. */
export interface Batch {
  data: Float32Array;
  dims: readonly number[];
}

export interface ModelRunnerOptions {
  manifest: Manifest;
  /** The bytes of one file the manifest lists, e.g. a bundled import, `fetch` or `readFile`. */
  getFile: (file: ManifestFile) => Promise<Uint8Array | ArrayBuffer> | Uint8Array | ArrayBuffer;
  ort: OrtLike;
  /** Passed to every `InferenceSession.create`, e.g. `{ executionProviders: ['webgpu', 'wasm'] }`. */
  sessionOptions?: object;
  /** Checks each file's SHA-256 against the manifest before using it; on by default. */
  verify?: boolean;
}

/** What the runner knows about one file: whether its bytes matched and whether a session is open. */
export interface FileStatus {
  model: ModelId;
  role: ManifestFileRole;
  path: string;
  status: 'ok' | 'mismatch' | 'unreadable' | 'unchecked';
  sessionOpen: boolean;
  detail?: string;
}

interface OpenSession {
  session: OrtSessionLike;
  /** Runs are chained so one session never has two in flight, whatever the backend allows. */
  queue: Promise<unknown>;
}

/**
 * Runs the manifest's models. One instance per process, page or isolate: it holds the sessions.
 *
 * Images are flat Float32Arrays of `count × 784` values in 0..1, row by row, digits white on black.
 */
export class ModelRunner {
  readonly manifest: Manifest;
  readonly #options: ModelRunnerOptions;
  readonly #sessions = new Map<string, Promise<OpenSession>>();
  readonly #verified = new Map<string, Promise<Uint8Array>>();
  readonly #status = new Map<string, FileStatus['status']>();
  readonly #details = new Map<string, string>();

  constructor(options: ModelRunnerOptions) {
    this.manifest = options.manifest;
    this.#options = options;
  }

  /** The model's manifest entry, after checking it serves `operation`. */
  model(id: string, operation?: Operation): ManifestModel {
    // Ids come from URLs: an own-property check, so that `constructor` or `__proto__` is just unknown.
    const models = this.manifest.models as Record<string, ManifestModel | undefined>;
    const model = Object.hasOwn(models, id) ? models[id] : undefined;
    if (!model) throw new UnknownModelError(id, Object.keys(this.manifest.models));
    if (operation && !model.operations.includes(operation)) {
      throw new UnsupportedOperationError(id, operation, model.operations);
    }
    return model;
  }

  /**
   * Opens the session an operation needs (checking the file first), so that a caller can time or
   * warm it apart from inference. Every operation method does this itself when needed.
   */
  async prepare(id: string, operation: Operation): Promise<void> {
    const model = this.model(id, operation);
    await Promise.all(rolesFor(model, operation).map((role) => this.#session(this.#file(model, role))));
  }

  /**
   * Opens every session this runner serves from, and runs each once on zeros so that the runtime's
   * lazily compiled kernels are ready too (`run: false` only opens them; `files` limits it to some):
   * what a server calls while it starts, so that no request pays for it. Resolves to the files that failed, which stay failed
   * (see {@link check}).
   */
  async warmUp(options: { run?: boolean; files?: readonly ManifestFile[] } = {}): Promise<FileStatus[]> {
    const files = options.files ?? this.files();
    for (const file of files) {
      try {
        const input = file.inputs[0] as ManifestTensor;
        if (options.run === false) await this.#session(file);
        else await this.#run(file, this.#feed(file, new Float32Array(tensorSize(input)), 'values'));
      } catch {
        // Recorded in status(); the requests that need the file get the error.
      }
    }
    return this.status().filter((f) => f.status !== 'ok');
  }

  /**
   * Output for each image. Models with an encoder and a decoder reconstruct through both (the VAE
   * from z_mean), so that their weights are loaded once, not again in a whole-autoencoder file.
   */
  async reconstruct(id: string, images: Float32Array): Promise<Batch> {
    const model = this.model(id, 'reconstruct');
    if (!composes(model)) {
      const file = this.#file(model, 'autoencoder');
      return this.#single(file, await this.#run(file, this.#feed(file, images, 'images')));
    }
    const encoder = this.#file(model, 'encoder');
    const decoder = this.#file(model, 'decoder');
    const codes = await this.#run(encoder, this.#feed(encoder, images, 'images'));
    const code = codes[(encoder.outputs[0] as ManifestTensor).name] as Batch;
    return this.#single(decoder, await this.#run(decoder, this.#feed(decoder, code.data, 'codes')));
  }

  /** The denoiser's clean image for each (noisy) image. */
  async denoise(images: Float32Array): Promise<Batch> {
    const file = this.#file(this.model('denoise', 'denoise'), 'autoencoder');
    return this.#single(file, await this.#run(file, this.#feed(file, images, 'images')));
  }

  /**
   * The encoder's outputs by ONNX name: `code` ([n, 32], conv [n, 4, 4, 8]) or, for the VAE,
   * `z_mean` and `z_log_var` ([n, 2]).
   */
  async encode(id: string, images: Float32Array): Promise<Record<string, Batch>> {
    const file = this.#file(this.model(id, 'encode'), 'encoder');
    return this.#run(file, this.#feed(file, images, 'images'));
  }

  /** Images from codes (VAE: latent points), flat, `count × code size` values. */
  async decode(id: string, codes: Float32Array): Promise<Batch> {
    const file = this.#file(this.model(id, 'decode'), 'decoder');
    return this.#single(file, await this.#run(file, this.#feed(file, codes, 'codes')));
  }

  /**
   * The VAE's n×n digit manifold, as the trainer draws it: the decoder over a grid of Gaussian
   * quantiles (5 % to 95 %), x to the right and z₂ upwards. `images` holds n² digits row by row.
   */
  async manifold(n: number, id = 'vae'): Promise<{ images: Batch; points: Batch }> {
    if (!Number.isInteger(n) || n < 1)
      throw new InputShapeError(`manifold size must be a positive integer, got ${n}`);
    const file = this.#file(this.model(id, 'manifold'), 'decoder');
    const points = manifoldPoints(n);
    const images = this.#single(file, await this.#run(file, this.#feed(file, points.data, 'codes')));
    return { images, points };
  }

  /** Size of one input of the operation's file, without the batch: 784 for images, 32 for simple's code. */
  inputSize(id: string, role: ManifestFileRole): number {
    return tensorSize(this.#file(this.model(id), role).inputs[0] as ManifestTensor);
  }

  /**
   * Reads and checks every file without opening sessions, for health checks. A file that fails stays
   * failed: requests that need it are refused rather than served from unknown weights.
   */
  async check(): Promise<FileStatus[]> {
    const files = this.#servingFiles();
    await Promise.all(files.map(({ file }) => this.#bytes(file).catch(() => undefined)));
    return this.status();
  }

  /** What is known so far, without reading anything. */
  status(): FileStatus[] {
    return this.#servingFiles().map(({ model, file }) => {
      const detail = this.#details.get(file.path);
      return {
        model,
        role: file.role,
        path: file.path,
        status: this.#status.get(file.path) ?? 'unchecked',
        sessionOpen: this.#sessions.has(file.path),
        ...(detail ? { detail } : {}),
      };
    });
  }

  /**
   * The files this runner reads: every file of every model, except a whole-autoencoder file where
   * the encoder and decoder serve reconstruction (so a deployment need not carry it).
   */
  files(): ManifestFile[] {
    return this.#servingFiles().map(({ file }) => file);
  }

  #servingFiles(): { model: ModelId; file: ManifestFile }[] {
    return Object.values(this.manifest.models).flatMap((m) =>
      servedFiles(m).map((file) => ({ model: m.id, file })),
    );
  }

  #file(model: ManifestModel, role: ManifestFileRole): ManifestFile {
    const file = model.files.find((f) => f.role === role);
    if (!file) throw new InferenceError(`the manifest lists no ${role} file for model '${model.id}'`);
    return file;
  }

  #feed(
    file: ManifestFile,
    values: Float32Array,
    what: string,
  ): { name: string; data: Float32Array; dims: number[] } {
    const input = file.inputs[0] as ManifestTensor;
    const size = tensorSize(input);
    if (values.length === 0 || values.length % size !== 0) {
      throw new InputShapeError(
        `${file.path} takes ${what} of ${size} values each${size === IMAGE_SIZE ? ' (28×28)' : ''}; got ${values.length} values, not a whole number of ${what}`,
      );
    }
    const count = values.length / size;
    const dims = input.shape.map((d) => (d === 'batch' ? count : d));
    return { name: input.name, data: values, dims };
  }

  #single(file: ManifestFile, outputs: Record<string, Batch>): Batch {
    const name = (file.outputs[0] as ManifestTensor).name;
    const out = outputs[name];
    if (!out) throw new InferenceError(`${file.path} gave no '${name}' output`);
    return out;
  }

  async #run(
    file: ManifestFile,
    feed: { name: string; data: Float32Array; dims: number[] },
  ): Promise<Record<string, Batch>> {
    const open = await this.#session(file);
    const count = feed.dims[0] as number;
    const job = open.queue.then(async () => {
      const tensor = new this.#options.ort.Tensor('float32', feed.data, feed.dims);
      return open.session.run({ [feed.name]: tensor });
    });
    open.queue = job.catch(() => undefined);
    const results = await job;
    const outputs: Record<string, Batch> = {};
    for (const spec of file.outputs) {
      const tensor = results[spec.name];
      if (!tensor) throw new InferenceError(`${file.path} gave no '${spec.name}' output`);
      const expected = spec.shape.map((d) => (d === 'batch' ? count : d));
      const dims = [...tensor.dims];
      if (!(tensor.data instanceof Float32Array) || dims.join() !== expected.join()) {
        throw new InferenceError(
          `${file.path} output '${spec.name}' is [${dims}] ${typeof tensor.data}, the manifest says float32 [${expected}]`,
        );
      }
      outputs[spec.name] = { data: tensor.data, dims };
    }
    return outputs;
  }

  #session(file: ManifestFile): Promise<OpenSession> {
    let open = this.#sessions.get(file.path);
    if (!open) {
      open = this.#bytes(file).then(async (bytes) => ({
        session: await this.#options.ort.InferenceSession.create(bytes, this.#options.sessionOptions ?? {}),
        queue: Promise.resolve(),
      }));
      this.#sessions.set(file.path, open);
      // A failed creation is not cached: the next request tries again (integrity failures are cached
      // one level down, in #bytes).
      open.catch(() => this.#sessions.delete(file.path));
    }
    return open;
  }

  #bytes(file: ManifestFile): Promise<Uint8Array> {
    let bytes = this.#verified.get(file.path);
    if (!bytes) {
      bytes = (async () => {
        let data: Uint8Array;
        try {
          const got = await this.#options.getFile(file);
          data = got instanceof Uint8Array ? got : new Uint8Array(got);
        } catch (error) {
          const unavailable = new ModelUnavailableError(
            file.path,
            error instanceof Error ? error.message : String(error),
            { cause: error },
          );
          this.#status.set(file.path, 'unreadable');
          this.#details.set(file.path, unavailable.message);
          throw unavailable;
        }
        if (this.#options.verify !== false) {
          const actual = await sha256Hex(data);
          if (actual !== file.sha256) {
            const error = new ModelIntegrityError(file.path, file.sha256, actual);
            this.#status.set(file.path, 'mismatch');
            this.#details.set(file.path, error.message);
            throw error;
          }
        }
        this.#status.set(file.path, 'ok');
        return data;
      })();
      this.#verified.set(file.path, bytes);
      // Bytes that could not be read may be readable next time; bytes that do not match never will.
      bytes.catch((error) => {
        if (!(error instanceof ModelIntegrityError)) this.#verified.delete(file.path);
      });
    }
    return bytes;
  }
}

/** Which network serves each operation. */
const ROLE_OF: Record<Operation, ManifestFileRole> = {
  reconstruct: 'autoencoder',
  denoise: 'autoencoder',
  encode: 'encoder',
  decode: 'decoder',
  manifold: 'decoder',
};

/** True when the model reconstructs through its encoder and decoder rather than a whole-autoencoder file. */
export function composes(model: ManifestModel): boolean {
  return model.files.some((f) => f.role === 'encoder') && model.files.some((f) => f.role === 'decoder');
}

/**
 * The networks an operation runs: reconstruction composes encoder and decoder where the model has
 * both, so its whole-autoencoder file is never read. The runner, the web demo's downloads and the
 * exporter's browser copies all follow this.
 */
export function rolesFor(model: ManifestModel, operation: Operation): ManifestFileRole[] {
  return operation === 'reconstruct' && composes(model) ? ['encoder', 'decoder'] : [ROLE_OF[operation]];
}

/** The files an operation reads (see {@link rolesFor}). */
export function filesFor(model: ManifestModel, operation: Operation): ManifestFile[] {
  const roles = rolesFor(model, operation);
  return model.files.filter((f) => roles.includes(f.role));
}

/** The files a model is served from: all but a whole-autoencoder file that reconstruction does not read. */
export function servedFiles(model: ManifestModel): ManifestFile[] {
  return model.files.filter((file) => !(file.role === 'autoencoder' && composes(model)));
}

/** Number of values in one item of a tensor, i.e. the product of its dimensions after the batch. */
export function tensorSize(tensor: ManifestTensor): number {
  return tensor.shape.reduce<number>((n, d) => (d === 'batch' ? n : n * d), 1);
}

/** Lowercase hex SHA-256, with Web Crypto (Workers, browsers and Node ≥ 20 all have it). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
