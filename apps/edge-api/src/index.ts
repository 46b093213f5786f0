/**
 * The Worker: the app over the bundled models. Everything here runs once per isolate, at start-up:
 * by default onnxruntime's set-up, every session and a first run of each (which compiles the kernels
 * it uses) happen here rather than in the first request. Workers allow 1 s of start-up CPU, not
 * billed to any request; `pnpm bench:edge` measures what each step costs. `STARTUP` (a var) trades
 * start-up for first-request time, should a larger release ever need it.
 */
import { env } from 'cloudflare:workers';
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

/**
 * What start-up does, each step including the ones before: `lazy` nothing (each request opens what
 * it needs); `verify` checks every file's SHA-256; `runtime` also sets up onnxruntime (its first,
 * smallest session); `sessions` opens every session; `warm` (the default) runs each once too, and
 * draws the default manifold.
 */
const STARTUP_STEPS = ['lazy', 'verify', 'runtime', 'sessions', 'warm'] as const;
const asked = (env as { STARTUP?: string }).STARTUP ?? 'warm';
const step = STARTUP_STEPS.indexOf(asked as (typeof STARTUP_STEPS)[number]);
if (step < 0) console.error(`STARTUP=${asked} is not one of ${STARTUP_STEPS.join(', ')}; warming up`);
const upTo = (name: (typeof STARTUP_STEPS)[number]) =>
  step < 0 ? true : step >= STARTUP_STEPS.indexOf(name);

// A damaged file must not stop the Worker: it is reported by /healthz and refused per request.
const failed = upTo('verify') ? (await runner.check()).filter((f) => f.status !== 'ok') : [];
if (upTo('runtime') && !upTo('sessions')) {
  const smallest = runner.files().reduce((a, b) => (b.bytes < a.bytes ? b : a));
  await runner.warmUp({ run: false, files: [smallest] });
}
if (upTo('sessions')) await runner.warmUp({ run: upTo('warm') });
const app = createApp(runner);
// The default manifold is the one GET that costs real work: drawn once, here.
if (upTo('warm')) await app.prerender().catch(() => undefined);
if (failed.length > 0) {
  console.error(
    JSON.stringify({ level: 'error', message: 'model files failed their check at start-up', files: failed }),
  );
}

export default app;
