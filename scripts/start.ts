/**
 * pnpm start — the main job: check the released models in models/ against their targets on the MNIST
 * test set (`pnpm evaluate`), then serve them: the edge API in the local Workers runtime (workerd,
 * through `wrangler dev`) and the web demo. Runs until Ctrl-C.
 * `pnpm start --train` first trains all seven with the quick profile (minutes) and exports them over
 * models/; `--serve-only` skips the evaluation.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    train: { type: 'boolean', default: false },
    'serve-only': { type: 'boolean', default: false },
    'api-port': { type: 'string', default: '8787' },
    'web-port': { type: 'string', default: '5173' },
  },
});

const children: ChildProcess[] = [];
let stopping = false;
const pnpm = process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm';

function run(command: string[], name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(pnpm, command, { stdio: 'inherit' });
    children.push(child);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${name} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** A server in the background; its output is dropped, its errors shown until the servers are stopped. */
function serve(command: string[], env: Record<string, string> = {}): ChildProcess {
  // Its own process group, so that stopping it also stops what pnpm started under it (workerd, vite).
  const child = spawn(pnpm, command, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
    detached: true,
  });
  // Once stopped, pnpm reports each server as a failed command: that is noise, not an error.
  child.stderr?.on('data', (chunk: Buffer) => {
    if (!stopping) process.stderr.write(chunk);
  });
  children.push(child);
  return child;
}

async function waitFor(url: string, seconds = 120): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Stops every child (and what it started), waits for them to go (a few seconds at most), then exits. */
async function stopAll(code: number): Promise<never> {
  stopping = true;
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  const gone = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
  }
  await Promise.race([Promise.all(gone), new Promise((resolve) => setTimeout(resolve, 5000))]);
  process.exit(code);
}

// Once they serve, Ctrl-C is how the servers are meant to stop: a clean exit, not a failed command.
let serving = false;
process.on('SIGINT', () => {
  if (serving) console.log('\nstopped.');
  void stopAll(serving ? 0 : 130);
});
process.on('SIGTERM', () => void stopAll(143));

try {
  if (args.train) {
    await run(['train', '--profile', 'quick', '--model', 'all'], 'training');
    await run(['export'], 'export');
  }
  if (!args['serve-only']) {
    // A missed target is worth one warning line (--warn), not a reason to refuse to serve, nor a
    // failed command whose package-manager banner would greet a new user; a broken models folder
    // still fails.
    await run(['evaluate', '--models', 'models', '--warn'], 'evaluation');
  }
  const api = `http://127.0.0.1:${args['api-port']}`;
  const web = `http://localhost:${args['web-port']}`;
  serve(['--filter', '@autoencoders/edge-api', 'dev'], { PORT: args['api-port'] as string });
  serve(['--filter', '@autoencoders/web-demo', 'dev', '--port', args['web-port'] as string, '--strictPort']);
  await Promise.all([waitFor(`${api}/healthz`), waitFor(web)]);
  console.log(`
Edge API (workerd, wrangler dev): ${api}   docs: ${api}/docs   OpenAPI: ${api}/openapi.json
Web demo:                         ${web}/?api=${encodeURIComponent(api)}

Try it:
  curl -s ${api}/v1/models | head -c 400; echo
  curl -s -X POST '${api}/v1/models/denoise/denoise?noise=0.5&seed=1' -H 'Content-Type: image/png' -H 'Accept: image/png' \\
    --data-binary @docs/seven.png -o denoised.png
  curl -s -X POST ${api}/v1/models/conv/encode -H 'Content-Type: image/png' --data-binary @docs/seven.png | head -c 200; echo
  curl -s ${api}/v1/models/vae/manifold?n=15 -o manifold.png

Ctrl-C stops both.`);
  serving = true;
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  await stopAll(1);
}
