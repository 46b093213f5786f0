// Module types for what wrangler's rules turn into imports.

/** `rules: Data` in wrangler.jsonc: the file's bytes. */
declare module '*.onnx' {
  const bytes: ArrayBuffer;
  export default bytes;
}

/** wrangler's default CompiledWasm rule: a module workerd compiled at upload, not bytes. */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
