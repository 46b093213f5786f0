/**
 * `pnpm bench:edge`: the API measured against Workers' real limits, as a client sees it through
 * `wrangler dev` (workerd) on loopback. Four parts, each printed as a table and written to
 * bench-results/edge.json with every target marked met or missed:
 *
 * 1. start-up: fresh isolates, started with each STARTUP step (src/index.ts) and with an empty
 *    Worker for scale; the worker process's CPU time when it first answers gives what each step
 *    costs; then the first request of each operation on a fresh isolate.
 * 2. warm latency at one connection (p50/p99) and CPU per request, per operation.
 * 3. throughput at 32 connections, through wrangler dev and at the worker's own socket.
 * 4. memory through the inspector (heap used and committed, ArrayBuffers and WebAssembly memory):
 *    at start, after every model and operation at its largest, and during 30 s of 32 clients
 *    sending the largest requests there are (64-image JSON, 4 MiB PNGs, manifold n=30).
 *
 * Options: --parts startup,latency,throughput,memory (default all), --runs N (fresh isolates per
 * start-up step, default 3), --duration S (throughput, default 10), --memory S (default 30),
 * --connections N (default 32). Don't run it while something else loads the machine.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodePng, IMAGE_SIZE, seededRandom } from '@autoencoders/modelkit';
import { idatBomb } from '../scripts/hostile-pngs.ts';
import { appDir, bin, cpuMs, round, startWranglerDev, type WranglerDev } from '../scripts/wrangler-dev.ts';
import { type HeapSample, Inspector } from './inspector.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const PARTS = new Set(option('parts', 'startup,latency,throughput,memory').split(','));
const RUNS = Number(option('runs', '3'));
const DURATION = Number(option('duration', '10'));
const MEMORY_SECONDS = Number(option('memory', '30'));
const CONNECTIONS = Number(option('connections', '32'));
/** Workers' limit per isolate, and the bound this project holds itself to (¾ of it). */
const MEMORY_BOUND_MIB = 96;

// ---------------------------------------------------------------------------------------------
// Requests

interface Case {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  contentType?: string;
  accept?: string;
  body?: Uint8Array;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A digit-like image: a ring, as in the tests. */
function digit(): number[] {
  return Array.from({ length: IMAGE_SIZE }, (_, i) => {
    const r = Math.hypot((i % 28) - 13.5, (Math.floor(i / 28) - 13.5) * 0.7);
    return Math.max(0, 1 - Math.abs(r - 7) / 2);
  });
}

/** `n` different digit-like images at full float precision: the largest JSON a client may send. */
function images(n: number): number[][] {
  const random = seededRandom(n);
  return Array.from({ length: n }, () => digit().map((v) => Math.min(1, v * 0.9 + random() * 0.1)));
}

/** A 200×200 grey photo-like upload: the PNG path decodes, inverts, crops, scales and centres it. */
function pngUpload(): Uint8Array {
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

/** The largest PNG accepted: 1180×1180 RGB noise, which does not compress, just under 4 MiB. */
function largestPng(): Uint8Array {
  const side = 1180;
  const random = seededRandom(5);
  const data = Uint8Array.from({ length: side * side * 3 }, () => Math.floor(random() * 256));
  return encodePng({ width: side, height: side, channels: 3, data });
}

const post = (name: string, path: string, body: unknown, accept?: string): Case => ({
  name,
  method: 'POST',
  path,
  contentType: 'application/json',
  body: json(body),
  ...(accept ? { accept } : {}),
});

const one = { images: images(1) };
/** One request per operation, single image: what the latency targets are about. */
const SINGLE: Case[] = [
  post('simple reconstruct', '/v1/models/simple/reconstruct', one),
  post('simple encode', '/v1/models/simple/encode', one),
  post('simple decode', '/v1/models/simple/decode', { codes: [Array(32).fill(1)] }),
  post('deep reconstruct', '/v1/models/deep/reconstruct', one),
  post('conv reconstruct', '/v1/models/conv/reconstruct', one),
  post('denoise', '/v1/models/denoise/denoise', one),
  post('seq2seq reconstruct', '/v1/models/seq2seq/reconstruct', one),
  post('vae encode', '/v1/models/vae/encode', one),
  post('vae decode', '/v1/models/vae/decode', { codes: [[0.5, -1]] }),
  { name: 'vae manifold n=15 (PNG)', method: 'GET', path: '/v1/models/vae/manifold?n=15' },
  {
    name: 'vae manifold n=15 (JSON)',
    method: 'GET',
    path: '/v1/models/vae/manifold?n=15',
    accept: 'application/json',
  },
  {
    name: 'PNG upload 200×200 → simple reconstruct → PNG',
    method: 'POST',
    path: '/v1/models/simple/reconstruct',
    contentType: 'image/png',
    accept: 'image/png',
    body: pngUpload(),
  },
];
const sixtyFour = { images: images(64) };
/** The largest request of each kind: what decides which Workers plan a deployment needs. */
const LARGEST: Case[] = [
  post('conv reconstruct ×64', '/v1/models/conv/reconstruct', sixtyFour),
  post('denoise ×64', '/v1/models/denoise/denoise', sixtyFour),
  post('seq2seq reconstruct ×64', '/v1/models/seq2seq/reconstruct', sixtyFour),
  post('vae decode ×64', '/v1/models/vae/decode', {
    codes: Array.from({ length: 64 }, (_, i) => [i / 16 - 2, 1]),
  }),
  { name: 'vae manifold n=30 (PNG)', method: 'GET', path: '/v1/models/vae/manifold?n=30' },
  {
    name: 'vae manifold n=30 (JSON)',
    method: 'GET',
    path: '/v1/models/vae/manifold?n=30',
    accept: 'application/json',
  },
  {
    name: 'PNG upload 4 MiB (1180×1180 RGB noise) → conv reconstruct',
    method: 'POST',
    path: '/v1/models/conv/reconstruct',
    contentType: 'image/png',
    body: largestPng(),
  },
];

/** Targets of single-request latency at one connection (p50, ms). */
const LATENCY_TARGETS: Record<string, number> = {
  'simple reconstruct': 5,
  'simple encode': 5,
  'simple decode': 5,
  'conv reconstruct': 5,
  denoise: 5,
  'vae decode': 5,
  'vae manifold n=15 (PNG)': 10,
};
const BASELINE: Case = {
  name: 'no inference: GET /v1/models/simple',
  method: 'GET',
  path: '/v1/models/simple',
};

function init(c: Case): RequestInit {
  const headers: Record<string, string> = {};
  if (c.contentType) headers['Content-Type'] = c.contentType;
  if (c.accept) headers.Accept = c.accept;
  return { method: c.method, headers, ...(c.body ? { body: c.body as Uint8Array<ArrayBuffer> } : {}) };
}

async function timed(base: string, c: Case) {
  const started = performance.now();
  const response = await fetch(`${base}${c.path}`, init(c));
  await response.arrayBuffer();
  return { status: response.status, ms: round(performance.now() - started, 1) };
}

// ---------------------------------------------------------------------------------------------
// Load, from a second process (bench/load.ts), so the load generator never shares our event loop

interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  errors: number;
}

async function load(base: string, c: Case, seconds: number, connections: number): Promise<LoadResult> {
  const bodyFile = c.body ? join(appDir, 'bench-results', 'body.bin') : undefined;
  if (bodyFile && c.body) await writeFile(bodyFile, c.body);
  const options = {
    url: `${base}${c.path}`,
    method: c.method,
    headers: (init(c).headers ?? {}) as Record<string, string>,
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
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
    timeouts: number;
  };
  return {
    requestsPerSecond: round(r.requests.average),
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.non2xx + r.timeouts,
  };
}

function push(lists: Record<string, number[]>, key: string, value: number) {
  lists[key] = [...(lists[key] ?? []), value];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? (sorted[(sorted.length - 1) >> 1] as number) : Number.NaN;
};

const targets: { target: string; met: boolean; value: string }[] = [];
function target(name: string, met: boolean, value: string) {
  targets.push({ target: name, met, value });
}

function table(rows: (string | number)[][]) {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length))) ?? [];
  for (const row of rows) console.log(row.map((cell, i) => String(cell).padEnd(widths[i] ?? 0)).join('  '));
  console.log();
}

// ---------------------------------------------------------------------------------------------
// 1. Start-up

const STEPS = ['lazy', 'verify', 'runtime', 'sessions', 'warm'] as const;
const FIRST_REQUESTS = SINGLE.filter((c) =>
  [
    'simple reconstruct',
    'simple encode',
    'simple decode',
    'conv reconstruct',
    'denoise',
    'seq2seq reconstruct',
    'vae decode',
    'vae manifold n=15 (PNG)',
  ].includes(c.name),
);

async function startup() {
  console.log(
    `start-up: ${RUNS} fresh isolates per step (wrangler dev, the worker's workerd CPU at first answer)`,
  );
  const cpuAtReady: Record<string, number[]> = { hello: [] };
  const readyMs: Record<string, number[]> = { hello: [] };
  const first: Record<string, Record<string, number[]>> = { lazy: {}, warm: {} };
  for (let run = 0; run < RUNS; run++) {
    for (const step of ['hello', ...STEPS] as const) {
      const dev = await startWranglerDev(
        step === 'hello' ? { config: 'bench/hello/wrangler.jsonc' } : { vars: { STARTUP: step } },
      );
      try {
        push(cpuAtReady, step, await cpuMs(dev.workerPid));
        push(readyMs, step, round(dev.readyMs));
        const perOp = first[step];
        if (perOp) {
          // Each operation's first request: on `lazy` it opens what it needs, on `warm` nothing.
          for (const c of FIRST_REQUESTS) {
            const r = await timed(dev.url, c);
            if (r.status !== 200) throw new Error(`${c.name}: first request answered ${r.status}`);
            push(perOp, c.name, r.ms);
          }
        }
      } finally {
        await dev.stop();
      }
    }
  }
  const cpu = Object.fromEntries(Object.entries(cpuAtReady).map(([k, v]) => [k, median(v)]));
  const breakdown = [
    ['workerd and an empty Worker, for scale', cpu.hello],
    [
      'the bundle: 0.7 MB of JS (Hono, zod, onnxruntime-web), 14 MB of WASM compiled, the app',
      (cpu.lazy ?? 0) - (cpu.hello ?? 0),
    ],
    ['SHA-256 of the 13 model files (5 MB)', (cpu.verify ?? 0) - (cpu.lazy ?? 0)],
    [
      "onnxruntime-web's set-up (WASM instance, runtime) and its first session",
      (cpu.runtime ?? 0) - (cpu.verify ?? 0),
    ],
    ['the other 12 sessions', (cpu.sessions ?? 0) - (cpu.runtime ?? 0)],
    ['one run of each network (compiles the kernels it uses)', (cpu.warm ?? 0) - (cpu.sessions ?? 0)],
  ] as const;
  console.log('start-up CPU (median over runs, ms; differences between steps):');
  table([['step', 'CPU ms'], ...breakdown.map(([what, ms]) => [what, Math.round(ms ?? 0)])]);
  const startupCpu = (cpu.warm ?? 0) - (cpu.hello ?? 0);
  target(
    "start-up CPU of the Worker's own code ≤ 1000 ms (Workers' start-up limit)",
    startupCpu <= 1000,
    `${Math.round(startupCpu)} ms`,
  );
  const firstRows = FIRST_REQUESTS.map((c) => [
    c.name,
    median(first.warm?.[c.name] ?? []),
    median(first.lazy?.[c.name] ?? []),
  ]);
  console.log('first request of each operation on a fresh isolate (median, ms):');
  table([['operation', 'STARTUP=warm (default)', 'STARTUP=lazy'], ...firstRows]);
  const worstFirst = Math.max(...firstRows.map((r) => r[1] as number));
  target(
    'first request on a fresh isolate ≤ 100 ms (every operation)',
    worstFirst <= 100,
    `worst ${worstFirst} ms`,
  );
  return {
    cpuAtReadyMs: cpuAtReady,
    readyMs,
    breakdownMs: Object.fromEntries(breakdown.map(([k, v]) => [k, Math.round(v ?? 0)])),
    startupCpuMs: startupCpu,
    firstRequestMs: first,
  };
}

// ---------------------------------------------------------------------------------------------
// 2 and 3. Warm latency and throughput

const LATENCY_SECONDS = 3;

async function latency(dev: WranglerDev) {
  console.log(`warm latency: one connection, ${LATENCY_SECONDS} s per operation, through wrangler dev`);
  const rows: (string | number)[][] = [];
  const results: Record<string, LoadResult & { cpuMsPerRequest: number }> = {};
  for (const c of [BASELINE, ...SINGLE, ...LARGEST]) {
    await timed(dev.url, c);
    const cpuBefore = await cpuMs(dev.workerPid);
    const r = await load(dev.url, c, LATENCY_SECONDS, 1);
    const perRequest = round(((await cpuMs(dev.workerPid)) - cpuBefore) / Math.max(r.requests, 1), 2);
    results[c.name] = { ...r, cpuMsPerRequest: perRequest };
    rows.push([c.name, r.latencyP50Ms, r.latencyP99Ms, r.requestsPerSecond, perRequest, r.errors]);
    const limit = LATENCY_TARGETS[c.name];
    if (limit !== undefined)
      target(
        `${c.name} p50 ≤ ${limit} ms (1 connection)`,
        r.latencyP50Ms <= limit && r.errors === 0,
        `${r.latencyP50Ms} ms`,
      );
  }
  table([['operation', 'p50 ms', 'p99 ms', 'req/s', 'worker CPU ms/req', 'errors'], ...rows]);
  return results;
}

async function throughput(dev: WranglerDev) {
  console.log(`throughput: ${CONNECTIONS} connections, ${DURATION} s per case`);
  const cases = [BASELINE, SINGLE[0] as Case, SINGLE[5] as Case];
  const rows: (string | number)[][] = [];
  const results: Record<string, { viaWrangler: LoadResult; workerSocket?: LoadResult }> = {};
  for (const c of cases) {
    const via = await load(dev.url, c, DURATION, CONNECTIONS);
    const direct = dev.inner ? await load(dev.inner, c, DURATION, CONNECTIONS) : undefined;
    results[c.name] = { viaWrangler: via, ...(direct ? { workerSocket: direct } : {}) };
    rows.push([
      c.name,
      via.requestsPerSecond,
      via.latencyP50Ms,
      direct?.requestsPerSecond ?? '–',
      via.errors + (direct?.errors ?? 0),
    ]);
  }
  table([['case', 'req/s via wrangler dev', 'p50 ms', "req/s at the worker's socket", 'errors'], ...rows]);
  return results;
}

// ---------------------------------------------------------------------------------------------
// 4. Memory

const peak = (samples: HeapSample[], of: (s: HeapSample) => number) =>
  samples.length ? round(Math.max(...samples.map(of)), 1) : Number.NaN;
const live = (s: HeapSample) => round(s.usedMiB + s.backingMiB, 1);
const committed = (s: HeapSample) => round(s.totalMiB + s.backingMiB, 1);

async function memory() {
  const dev = await startWranglerDev({ env: 'loadtest' });
  const inspector = await Inspector.connect(dev.inspectorPort);
  try {
    const atStart = await inspector.heap();
    const big = { images: images(64) };
    const heavy: Case[] = [
      ...['simple', 'sparse', 'deep', 'conv', 'seq2seq', 'vae'].flatMap((id) => [
        post(`${id} reconstruct ×64`, `/v1/models/${id}/reconstruct`, big),
        post(`${id} encode ×64`, `/v1/models/${id}/encode`, big),
      ]),
      ...['simple', 'sparse', 'deep', 'conv', 'vae'].map((id) =>
        post(`${id} decode ×64`, `/v1/models/${id}/decode`, {
          codes: Array.from({ length: 64 }, () =>
            Array(id === 'conv' ? 128 : id === 'vae' ? 2 : 32).fill(0.5),
          ),
        }),
      ),
      post('denoise ×64', '/v1/models/denoise/denoise?noise=0.5', big),
      { name: 'manifold n=30 (PNG)', method: 'GET', path: '/v1/models/vae/manifold?n=30' },
      {
        name: 'manifold n=30 (JSON)',
        method: 'GET',
        path: '/v1/models/vae/manifold?n=30',
        accept: 'application/json',
      },
      {
        name: 'PNG upload, 4 MiB',
        method: 'POST',
        path: '/v1/models/conv/reconstruct',
        contentType: 'image/png',
        body: largestPng(),
      },
    ];
    const bomb: Case = {
      name: 'PNG bomb (256 MiB inflated)',
      method: 'POST',
      path: '/v1/models/conv/reconstruct',
      contentType: 'image/png',
      body: idatBomb(),
    };
    const refused = await timed(dev.url, bomb);
    if (refused.status !== 422) throw new Error(`the PNG bomb answered ${refused.status}`);
    for (const c of heavy) {
      const r = await timed(dev.url, c);
      if (r.status !== 200) throw new Error(`${c.name} answered ${r.status}`);
      if (!existsSync(`/proc/${dev.workerPid}`))
        throw new Error(`the worker's workerd (${dev.workerPid}) ended after ${c.name}`);
    }
    const afterEach = await inspector.heap();

    // 32 clients, each looping over the largest requests there are, for MEMORY_SECONDS.
    const mix = [...heavy, bomb].filter((c) =>
      [
        'conv reconstruct ×64',
        'vae reconstruct ×64',
        'denoise ×64',
        'manifold n=30 (PNG)',
        'manifold n=30 (JSON)',
        'PNG upload, 4 MiB',
        'PNG bomb (256 MiB inflated)',
      ].includes(c.name),
    );
    const counts: Record<string, number> = {};
    const count = (key: string) => {
      counts[key] = (counts[key] ?? 0) + 1;
    };
    let stop = false;
    const sampler = inspector.sample(250);
    const cpuBefore = await cpuMs(dev.workerPid);
    const clients = Array.from({ length: CONNECTIONS }, async (_, k) => {
      for (let i = k; !stop; i++) {
        const c = mix[i % mix.length] as Case;
        try {
          const response = await fetch(`${dev.url}${c.path}`, init(c));
          const text = await response.text();
          if (response.status === 200) count('200');
          else if (c === bomb && response.status === 422) count('422 (the bomb, refused)');
          else if (response.headers.get('Content-Type') === 'application/problem+json')
            count(`${response.status} ${(JSON.parse(text) as { type: string }).type}`);
          else count(`${response.status} (not the app's): ${text.slice(0, 60)}`);
        } catch (error) {
          count(`failed: ${(error as Error).message}`);
        }
      }
    });
    await new Promise((r) => setTimeout(r, MEMORY_SECONDS * 1000));
    stop = true;
    await Promise.all(clients);
    const samples = await sampler.stop();
    const cpuUsed = (await cpuMs(dev.workerPid)) - cpuBefore;

    const passive = samples.filter((x) => !x.afterGc);
    const collected = samples.filter((x) => x.afterGc);
    console.log(
      'memory of the isolate, MiB (held = JS heap used + ArrayBuffers and WASM memory; committed = JS heap total + the same):',
    );
    table([
      ['when', 'held', 'committed', 'heap used', 'heap total', 'ArrayBuffers + WASM'],
      [
        'at start (warm, no request yet)',
        live(atStart),
        committed(atStart),
        atStart.usedMiB,
        atStart.totalMiB,
        atStart.backingMiB,
      ],
      [
        'after every model × operation at its largest',
        live(afterEach),
        committed(afterEach),
        afterEach.usedMiB,
        afterEach.totalMiB,
        afterEach.backingMiB,
      ],
      [
        `peak of ${passive.length} samples, ${CONNECTIONS} clients for ${MEMORY_SECONDS} s`,
        peak(passive, live),
        peak(passive, committed),
        peak(passive, (x) => x.usedMiB),
        peak(passive, (x) => x.totalMiB),
        peak(passive, (x) => x.backingMiB),
      ],
      [
        `peak of ${collected.length} samples taken right after a full GC`,
        peak(collected, live),
        peak(collected, committed),
        peak(collected, (x) => x.usedMiB),
        peak(collected, (x) => x.totalMiB),
        peak(collected, (x) => x.backingMiB),
      ],
    ]);
    console.log(`answers during the load: ${JSON.stringify(counts)}; worker CPU ${Math.round(cpuUsed)} ms`);
    const restarts = Object.keys(counts).filter((k) => /restarted|not the app|failed/.test(k));
    target(
      `memory held under ${MEMORY_BOUND_MIB} MiB at every sample (heap used + ArrayBuffers/WASM)`,
      peak(samples, live) < MEMORY_BOUND_MIB,
      `${peak(samples, live)} MiB`,
    );
    target(
      `memory committed under ${MEMORY_BOUND_MIB} MiB at every sample (heap total, garbage included, + ArrayBuffers/WASM)`,
      peak(samples, committed) < MEMORY_BOUND_MIB,
      `${peak(samples, committed)} MiB`,
    );
    target(
      'no request lost to a restart or a dropped connection',
      restarts.length === 0,
      JSON.stringify(counts),
    );
    return { atStart, afterEach, counts, samples, cpuMs: cpuUsed };
  } finally {
    inspector.close();
    await dev.stop();
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  await mkdir(join(appDir, 'bench-results'), { recursive: true });
  const report: Record<string, unknown> = {
    when: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
    },
    setup: 'wrangler dev (workerd) on 127.0.0.1; load from a second process',
  };
  if (PARTS.has('startup')) report.startup = await startup();
  if (PARTS.has('latency') || PARTS.has('throughput')) {
    const dev = await startWranglerDev({ env: 'loadtest' });
    try {
      if (PARTS.has('latency')) report.latency = await latency(dev);
      if (PARTS.has('throughput')) report.throughput = await throughput(dev);
    } finally {
      await dev.stop();
    }
  }
  if (PARTS.has('memory')) report.memory = await memory();
  report.targets = targets;
  console.log('targets:');
  for (const t of targets) console.log(`${t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.value}`);
  const file = join(appDir, 'bench-results', 'edge.json');
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written ${file}`);
}

await main();
