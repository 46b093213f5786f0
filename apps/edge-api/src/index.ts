/**
 * The Worker: the app over the bundled models. Everything here runs once per isolate, at start-up:
 * onnxruntime's set-up, every session and a first run of each (which compiles the kernels it uses)
 * happen here rather than in the first request, which Workers allow (1 s of start-up CPU, not billed
 * to any request) and which `pnpm bench:edge` measures.
 */
import { ModelRunner } from '@autoencoders/modelkit';
import { createApp } from './app.ts';
import { manifest, modelFiles } from './models.ts';
import { workerdOrt } from './ort-workerd.ts';

const runner = new ModelRunner({
  manifest,
  ort: workerdOrt,
  getFile: (file) => {
    const bytes = modelFiles[file.path];
    if (!bytes) throw new Error(`${file.path} is listed in the manifest but not bundled (src/models.ts)`);
    return new Uint8Array(bytes);
  },
});

// A damaged file must not stop the Worker: it is reported by /healthz and refused per request.
const failed = await runner.warmUp();
if (failed.length > 0) {
  console.error(JSON.stringify({ level: 'error', message: 'model files failed at start-up', files: failed }));
}

export default createApp(runner);
