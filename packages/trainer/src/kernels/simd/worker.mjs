// One helper thread of src/kernels/simd.ts: runs kernels of the SIMD module on the wasm backend's
// shared memory when the main thread posts them. Plain JavaScript so that it loads in any runner
// (tsx, vitest) without a TypeScript loader in the worker.
//
// Control block (Int32Array over a SharedArrayBuffer, layout shared with simd.ts):
//   [0] job sequence number, bumped by the main thread to post a job
//   [1] sequence number of the last finished job, set here
//   [2] kernel index into KERNELS, [3] argument count, [4..] arguments, [CONTROL_ERROR] 1 if it threw
import { workerData } from 'node:worker_threads';

const { module, memory, control, kernels } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const ctrl = new Int32Array(control);
const CONTROL_ERROR = ctrl.length - 1;
const functions = kernels.map((name) => instance.exports[name]);

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  try {
    functions[ctrl[2]](...ctrl.subarray(4, 4 + ctrl[3]));
    ctrl[CONTROL_ERROR] = 0;
  } catch {
    ctrl[CONTROL_ERROR] = 1;
  }
  Atomics.store(ctrl, 1, seen);
  Atomics.notify(ctrl, 1);
}
