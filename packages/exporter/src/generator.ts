import packageJson from '../package.json' with { type: 'json' };

/** Who wrote the ONNX files and the manifest: this package, by name and version. */
export const GENERATOR = { name: packageJson.name, version: packageJson.version };
