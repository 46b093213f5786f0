/**
 * The Worker: the app over the bundled models. Everything here runs once per isolate; sessions are
 * opened lazily by the runner on the first request that needs each file (Workers allow 1 s of startup,
 * and ort's set-up alone takes about half of it).
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

export default createApp(runner);
