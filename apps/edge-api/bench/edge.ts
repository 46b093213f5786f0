/**
 * `pnpm bench:edge`: the API under load, as a client sees it through `wrangler dev` on loopback.
 *
 * Starts wrangler dev (offline), times the first requests after the start (cold: ort set-up and
 * session creation), then loads each case from a second process with autocannon (10 s, 32
 * connections) and samples the workerd process's RSS from /proc during a 60 s run. Prints a table
 * and writes bench-results/edge.json. Options: --duration S (per case), --memory S (0 skips),
 * --connections N.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { encodePng, IMAGE_SIZE } from '@autoencoders/modelkit';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => join(appDir, 'node_modules/.bin', name);

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const DURATION = option('duration', 10);
const CONNECTIONS = option('connections', 32);
const MEMORY_SECONDS = option('memory', 60);

interface Case {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  contentType?: string;
  accept?: string;
  body?: Uint8Array;
}

/** A digit-like image: a ring, as in the tests. */
function digit(): number[] {
  return Array.from({ length: IMAGE_SIZE }, (_, i) => {
    const r = Math.hypot((i % 28) - 13.5, (Math.floor(i / 28) - 13.5) * 0.7);
    return Math.max(0, 1 - Math.abs(r - 7) / 2);
  });
}

function pngUpload(): Uint8Array {
  // A 200×200 grey photo-like upload: the PNG path decodes, inverts, crops, scales and centres it.
  const side = 200;
  const data = new Float32Array(side * side).fill(0.85);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const r = Math.hypot(x - 100, (y - 100) * 0.7);
      if (Math.abs(r - 50) < 8) data[y * side + x] = 0.1;
    }
  }
  return encodePng({ width: side, height: side, data });
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
/** No inference: what wrangler dev's proxy chain and the router cost on their own. */
const BASELINE: Case = {
  name: 'baseline: GET /v1/models/simple (no inference)',
  method: 'GET',
  path: '/v1/models/simple',
};
const CASES: Case[] = [
  {
    name: 'simple reconstruct, JSON, 1 image',
    method: 'POST',
    path: '/v1/models/simple/reconstruct',
    contentType: 'application/json',
    body: json({ images: [digit()] }),
  },
  {
    name: 'denoise, JSON, 1 image',
    method: 'POST',
    path: '/v1/denoise',
    contentType: 'application/json',
    body: json({ images: [digit()] }),
  },
  { name: 'vae manifold n=15, PNG', method: 'GET', path: '/v1/models/vae/manifold?n=15' },
  {
    name: 'PNG upload 200×200 → simple reconstruct, PNG',
    method: 'POST',
    path: '/v1/models/simple/reconstruct',
    contentType: 'image/png',
    accept: 'image/png',
    body: pngUpload(),
  },
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function startWrangler(
  port: number,
): Promise<{ child: ChildProcess; readyMs: number; log: () => string }> {
  const started = performance.now();
  let output = '';
  const child = spawn(
    bin('wrangler'),
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'],
    {
      cwd: appDir,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  // Ready = the worker answers a route that touches no model.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited: ${output}`);
    if (performance.now() - started > 120_000)
      throw new Error(`wrangler dev not ready after 120 s: ${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/problems/not-found`, { redirect: 'manual' });
      await response.arrayBuffer();
      if (response.status === 302) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, readyMs: performance.now() - started, log: () => output };
}

async function timedRequest(base: string, c: Case) {
  const started = performance.now();
  const response = await fetch(`${base}${c.path}`, requestInit(c));
  await response.arrayBuffer();
  return {
    status: response.status,
    ms: round(performance.now() - started),
    serverTiming: response.headers.get('Server-Timing') ?? '',
  };
}

function requestInit(c: Case): RequestInit {
  const headers: Record<string, string> = {};
  if (c.contentType) headers['Content-Type'] = c.contentType;
  if (c.accept) headers.Accept = c.accept;
  return { method: c.method, headers, ...(c.body ? { body: c.body as Uint8Array<ArrayBuffer> } : {}) };
}

/** Seconds of single-connection load per case: latency without queueing behind 31 other clients. */
const LATENCY_SECONDS = 3;

interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  requests: number;
  errors: number;
  non2xx: number;
  timeouts: number;
}

/** autocannon in its own process (bench/load.ts), so load generation does not share this event loop. */
async function load(
  base: string,
  c: Case,
  seconds: number,
  dir: string,
  connections = CONNECTIONS,
): Promise<LoadResult> {
  const headers: Record<string, string> = {};
  if (c.contentType) headers['Content-Type'] = c.contentType;
  if (c.accept) headers.Accept = c.accept;
  let bodyFile: string | undefined;
  if (c.body) {
    bodyFile = join(dir, `${c.name.replace(/\W+/g, '-')}.body`);
    await writeFile(bodyFile, c.body);
  }
  const options = {
    url: `${base}${c.path}`,
    method: c.method,
    headers,
    bodyFile,
    connections,
    duration: seconds,
  };
  const { stdout } = await promisify(execFile)(
    bin('tsx'),
    [join(appDir, 'bench/load.ts'), JSON.stringify(options)],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number; max: number };
    errors: number;
    non2xx: number;
    timeouts: number;
  };
  return {
    requestsPerSecond: round(r.requests.average),
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMaxMs: r.latency.max,
    requests: r.requests.total,
    errors: r.errors,
    non2xx: r.non2xx,
    timeouts: r.timeouts,
  };
}

/** The workerd processes under wrangler (wrangler runs the worker and its dev proxy in them). */
async function workerdPids(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const match = /^(\d+) \((.*)\) \S (\d+)/.exec(stat);
      if (!match) continue;
      const [pid, name, parent] = [Number(match[1]), match[2] as string, Number(match[3])];
      names.set(pid, name);
      children.set(parent, [...(children.get(parent) ?? []), pid]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      if (names.get(child)?.startsWith('workerd')) found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

/** TCP ports a process listens on, from /proc (its socket inodes matched against /proc/net/tcp). */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const ports: number[] = [];
  for (const line of (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '0A' && inodes.has(f[9] ?? '')) ports.push(Number.parseInt(f[1]?.split(':')[1] ?? '', 16));
  }
  return ports;
}

/**
 * wrangler dev puts a proxy worker (in its own workerd) in front of the user worker, which listens on
 * an internal loopback port. Finding that port lets the bench tell the worker's own capacity from the
 * dev proxy's; production has no such proxy.
 */
async function innerWorker(pids: readonly number[], publicPort: number) {
  for (const pid of pids) {
    for (const port of await listeningPorts(pid)) {
      if (port === publicPort) continue;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/v1/models/simple`, {
          signal: AbortSignal.timeout(2000),
        });
        const body = (await response.json()) as { id?: string };
        if (response.status === 200 && body.id === 'simple') return { pid, base: `http://127.0.0.1:${port}` };
      } catch {
        // Another of workerd's sockets (inspector, loopback services).
      }
    }
  }
  return undefined;
}

async function rssMiB(pids: readonly number[]): Promise<number> {
  let kib = 0;
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return round(kib / 1024);
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

async function main() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dir = join(appDir, 'bench-results');
  await mkdir(dir, { recursive: true });
  console.log(`edge bench: wrangler dev on ${base}, ${CONNECTIONS} connections, ${DURATION} s per case`);
  const { child, readyMs, log } = await startWrangler(port);
  const stop = () => {
    if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  };
  process.on('exit', stop);
  try {
    const pids = child.pid ? await workerdPids(child.pid) : [];
    const inner = await innerWorker(pids, port);
    const workerPids = inner ? [inner.pid] : pids;
    const rssAtReady = await rssMiB(workerPids);
    console.log(
      `ready after ${round(readyMs)} ms; workerd ${pids.join(', ')}; the worker's own: ${inner ? `${inner.pid} on ${inner.base}` : 'not found'}, ${rssAtReady} MiB RSS`,
    );

    // First request of each case on the fresh isolate: ort set-up once, then one session per model.
    const cold: Record<string, unknown> = {};
    for (const c of CASES) {
      const first = await timedRequest(base, c);
      const second = await timedRequest(base, c);
      if (first.status !== 200) throw new Error(`${c.name}: first request answered ${first.status}`);
      cold[c.name] = { firstMs: first.ms, firstServerTiming: first.serverTiming, secondMs: second.ms };
      console.log(`cold  ${c.name}: first ${first.ms} ms (${first.serverTiming}), then ${second.ms} ms`);
    }

    // Little's law: at 32 connections p50 ≈ 32 / throughput, so latency is measured on its own with
    // one connection, and throughput with 32.
    const results: Record<string, { single: LoadResult; loaded: LoadResult; rssAfterMiB: number }> = {};
    for (const c of [BASELINE, ...CASES]) {
      const single = await load(base, c, LATENCY_SECONDS, dir, 1);
      const loaded = await load(base, c, DURATION, dir);
      results[c.name] = { single, loaded, rssAfterMiB: await rssMiB(workerPids) };
      const errors = (r: LoadResult) => r.errors + r.non2xx + r.timeouts;
      console.log(
        `load  ${c.name}: 1 connection p50 ${single.latencyP50Ms} ms, p99 ${single.latencyP99Ms} ms (${single.requestsPerSecond} req/s); ` +
          `${CONNECTIONS} connections ${loaded.requestsPerSecond} req/s, p50 ${loaded.latencyP50Ms} ms, p99 ${loaded.latencyP99Ms} ms; errors ${errors(single) + errors(loaded)}`,
      );
    }

    // The same load straight at the worker's socket, without wrangler dev's proxy in the way.
    const direct: Record<string, LoadResult> = {};
    if (inner) {
      for (const c of [BASELINE, ...CASES.slice(0, 2)]) {
        const r = await load(inner.base, c, DURATION, dir);
        direct[c.name] = r;
        console.log(
          `direct ${c.name}: ${CONNECTIONS} connections ${r.requestsPerSecond} req/s, p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms; errors ${r.errors + r.non2xx + r.timeouts}`,
        );
      }
    }

    let memory: Record<string, unknown> | undefined;
    if (MEMORY_SECONDS > 0 && workerPids.length > 0) {
      const samples: { s: number; rssMiB: number }[] = [];
      const started = performance.now();
      const sampler = setInterval(async () => {
        samples.push({ s: round((performance.now() - started) / 1000, 1), rssMiB: await rssMiB(workerPids) });
      }, 1000);
      const r = await load(inner?.base ?? base, CASES[0] as Case, MEMORY_SECONDS, dir);
      clearInterval(sampler);
      const values = samples.map((s) => s.rssMiB);
      const firstTen = values.slice(0, 10);
      const lastTen = values.slice(-10);
      const mean = (v: number[]) => round(v.reduce((a, b) => a + b, 0) / Math.max(v.length, 1));
      memory = {
        case: CASES[0]?.name,
        seconds: MEMORY_SECONDS,
        requests: r.requests,
        errors: r.errors + r.non2xx + r.timeouts,
        rssMiB: {
          atReady: rssAtReady,
          min: Math.min(...values),
          max: Math.max(...values),
          first10sMean: mean(firstTen),
          last10sMean: mean(lastTen),
        },
        samples,
      };
      console.log(
        `memory over ${MEMORY_SECONDS} s of "${CASES[0]?.name}" (${r.requests} requests): RSS ${Math.min(...values)}–${Math.max(...values)} MiB, first 10 s ${mean(firstTen)} MiB, last 10 s ${mean(lastTen)} MiB`,
      );
    }

    const simple = results[CASES[0]?.name as string];
    const denoise = results[CASES[1]?.name as string];
    const clean = (r: LoadResult) => r.errors + r.non2xx + r.timeouts === 0;
    const targets = {
      'simple reconstruct p50 ≤ 10 ms (1 connection)': (simple?.single.latencyP50Ms ?? Infinity) <= 10,
      'denoise p50 ≤ 10 ms (1 connection)': (denoise?.single.latencyP50Ms ?? Infinity) <= 10,
      [`simple reconstruct ≥ 1000 req/s (${CONNECTIONS} connections, through wrangler dev)`]:
        (simple?.loaded.requestsPerSecond ?? 0) >= 1000,
      [`simple reconstruct ≥ 1000 req/s (${CONNECTIONS} connections, the worker's own socket)`]:
        (direct[CASES[0]?.name as string]?.requestsPerSecond ?? 0) >= 1000,
      'zero errors': Object.values(results).every((r) => clean(r.single) && clean(r.loaded)),
    };
    for (const [target, met] of Object.entries(targets))
      console.log(`${met ? 'met   ' : 'MISSED'} ${target}`);
    const report = {
      when: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        memoryGiB: round(totalmem() / 2 ** 30, 1),
        node: process.version,
      },
      setup: {
        via: 'wrangler dev (workerd) on 127.0.0.1, autocannon in a second process',
        connections: CONNECTIONS,
        durationS: DURATION,
      },
      readyMs: round(readyMs),
      cold,
      load: results,
      direct,
      memory,
      targets,
    };
    await writeFile(join(dir, 'edge.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`written ${join(dir, 'edge.json')}`);
  } catch (error) {
    console.error(log());
    throw error;
  } finally {
    stop();
  }
}

await main();
