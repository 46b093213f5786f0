// One helper thread of src/simd.ts: runs kernels of the SIMD module on the wasm backend's
// shared memory when the main thread posts them. Plain JavaScript so that it loads in any runner
// (tsx, vitest) without a TypeScript loader in the worker.
//
// Control block (Int32Array over a SharedArrayBuffer, layout shared with simd.ts):
//   [0] job sequence number, bumped by the main thread to post a job
//   [1] sequence number of the last finished job, set here
//   [2] kernel index into `kernels`, [3] argument count, [4..] arguments
//   [length-2] 1 once this thread is ready, -1 if it could not start; [length-1] 1 if the last job threw
import { workerData } from 'node:worker_threads';

const { module, memory, control, kernels } = workerData;
const ctrl = new Int32Array(control);
const READY = ctrl.length - 2;
const ERROR = ctrl.length - 1;

let functions;
try {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  functions = kernels.map((name) => instance.exports[name]);
  Atomics.store(ctrl, READY, 1);
} catch {
  Atomics.store(ctrl, READY, -1);
}
Atomics.notify(ctrl, READY);

let seen = 0;
while (functions !== undefined) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  try {
    functions[ctrl[2]](...ctrl.subarray(4, 4 + ctrl[3]));
    ctrl[ERROR] = 0;
  } catch {
    ctrl[ERROR] = 1;
  }
  Atomics.store(ctrl, 1, seen);
  Atomics.notify(ctrl, 1);
}
