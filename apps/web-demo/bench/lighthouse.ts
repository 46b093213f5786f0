/**
 * `pnpm --filter @autoencoders/web-demo bench`: the production build (`vite build`, served by
 * `vite preview` with the build's own `_headers`) measured with Lighthouse 12's mobile profile
 * (simulated slow 4G and a 4× slower CPU, the default) in Debian's Chromium, then a second visit in
 * the same browser profile to see what the cache keeps. Prints a table and writes
 * bench-results/lighthouse.json; each Lighthouse report is kept in test-results/lighthouse/.
 *
 * Besides Lighthouse's own figures it reports the bytes transferred before the first reconstruction
 * was on screen: every request (the page's and the model worker's) that finished before the page's
 * `demo:first-reconstruction` User Timing mark.
 *
 * Options: --runs N (default 3; the table gives each run and the median), --no-build (measure dist/
 * as it is), --url URL (measure a running page instead of building and serving one; no second visit).
 * Timings, TBT above all, move with whatever else the machine is doing: measure on an idle machine.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { biomeFormat } from '../../../scripts/biome-format.ts';
import { MARKS } from '../src/state.ts';
import type { Resource } from '../src/worker/protocol.ts';

const run = promisify(execFile);
const appDir = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const REPORTS_DIR = join(appDir, 'test-results', 'lighthouse');
const RESULT = join(appDir, 'bench-results', 'lighthouse.json');

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const RUNS = Number(option('runs', '3'));
const URL_OPTION = option('url', '');
const BUILD = !args.includes('--no-build') && !URL_OPTION;

/** The issue's targets, Lighthouse mobile on this machine. */
const TARGETS = {
  performance: { at: 90, better: 'higher' },
  accessibility: { at: 100, better: 'higher' },
  bestPractices: { at: 100, better: 'higher' },
  lcpMs: { at: 2500, better: 'lower' },
  tbtMs: { at: 200, better: 'lower' },
  bytesBeforeFirstReconstruction: { at: 5_000_000, better: 'lower' },
} as const;

interface LighthouseRun {
  performance: number;
  accessibility: number;
  bestPractices: number;
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  speedIndexMs: number;
  cls: number;
  ttiMs: number;
  /** Lighthouse's total-byte-weight: everything transferred while it watched. */
  totalBytes: number;
  requests: number;
  /** Transferred before the `demo:first-reconstruction` mark; null when the page never set it. */
  bytesBeforeFirstReconstruction: number | null;
  bytesBeforeAllReconstructions: number | null;
  /** Observed (unthrottled) time of the marks, ms from navigation start. */
  firstReconstructionMs: number | null;
  allReconstructionsMs: number | null;
  /** The machine's 1-minute load average before and after the run: TBT is inflated by load. */
  load: [number, number];
}

interface LighthouseReport {
  categories: Record<string, { score: number | null }>;
  audits: Record<
    string,
    { numericValue?: number; details?: { items?: Record<string, unknown>[] }; displayValue?: string }
  >;
  runtimeError?: { message: string };
  environment?: { hostUserAgent?: string };
  lighthouseVersion?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Bytes of the requests that finished by `until` (ms from navigation start, Lighthouse's clock). */
function bytesBy(requests: Record<string, unknown>[], until: number | null): number | null {
  if (until === null) return null;
  return requests
    .filter((r) => typeof r.networkEndTime === 'number' && r.networkEndTime <= until)
    .reduce((n, r) => n + (typeof r.transferSize === 'number' ? r.transferSize : 0), 0);
}

async function lighthouse(url: string, index: number): Promise<LighthouseRun> {
  const out = join(REPORTS_DIR, `run-${index + 1}.json`);
  const before = loadavg()[0] as number;
  await run(
    join(appDir, 'node_modules/.bin/lighthouse'),
    [
      url,
      '--chrome-flags=--headless=new --no-sandbox',
      '--output=json',
      `--output-path=${out}`,
      '--only-categories=performance,accessibility,best-practices',
      '--quiet',
    ],
    { env: { ...process.env, CHROME_PATH: CHROMIUM }, maxBuffer: 64 << 20 },
  );
  const after = loadavg()[0] as number;
  const report = JSON.parse(await readFile(out, 'utf8')) as LighthouseReport;
  if (report.runtimeError) throw new Error(`Lighthouse: ${report.runtimeError.message}`);
  const audit = (id: string) => report.audits[id]?.numericValue ?? Number.NaN;
  const score = (id: string) => Math.round((report.categories[id]?.score ?? 0) * 100);
  const requests = report.audits['network-requests']?.details?.items ?? [];
  const marks = report.audits['user-timings']?.details?.items ?? [];
  const markAt = (name: string) => {
    const mark = marks.find((m) => m.name === name && m.timingType === 'Mark');
    return typeof mark?.startTime === 'number' ? mark.startTime : null;
  };
  const first = markAt(MARKS.firstReconstruction);
  const all = markAt(MARKS.reconstructions);
  return {
    performance: score('performance'),
    accessibility: score('accessibility'),
    bestPractices: score('best-practices'),
    fcpMs: audit('first-contentful-paint'),
    lcpMs: audit('largest-contentful-paint'),
    tbtMs: audit('total-blocking-time'),
    speedIndexMs: audit('speed-index'),
    cls: audit('cumulative-layout-shift'),
    ttiMs: audit('interactive'),
    totalBytes: audit('total-byte-weight'),
    requests: requests.length,
    bytesBeforeFirstReconstruction: bytesBy(requests, first),
    bytesBeforeAllReconstructions: bytesBy(requests, all),
    firstReconstructionMs: first,
    allReconstructionsMs: all,
    load: [before, after],
  };
}

interface Visit {
  /** Bytes transferred (Resource Timing: page and model worker), and how many requests went out. */
  bytes: number;
  fromNetwork: string[];
  fromCache: number;
}

/**
 * Two visits in one browser profile, as a returning visitor: the second should transfer nothing but
 * the HTML (revalidated: a 304) since every other file is `immutable` under a hashed name.
 */
async function visits(url: string): Promise<{ first: Visit; second: Visit }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
  });
  try {
    const context = await browser.newContext();
    const visit = async (): Promise<Visit> => {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 120_000 });
      const { resources } = await page.evaluate(async () => {
        const demo = window.__demo;
        if (!demo) throw new Error('window.__demo is missing');
        return demo.network();
      });
      // The document itself is not a resource entry: count it from Navigation Timing.
      const nav = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        return { url: location.href, transferSize: n?.transferSize ?? 0, endedAt: 0 };
      });
      await page.close();
      const all: Resource[] = [nav, ...resources];
      return {
        bytes: all.reduce((n, r) => n + r.transferSize, 0),
        fromNetwork: all.filter((r) => r.transferSize > 0).map((r) => new URL(r.url).pathname),
        fromCache: all.filter((r) => r.transferSize === 0).length,
      };
    };
    const first = await visit();
    const second = await visit();
    return { first, second };
  } finally {
    await browser.close();
  }
}

const fmt = {
  ms: (v: number | null) => (v === null || Number.isNaN(v) ? '–' : `${(v / 1000).toFixed(2)} s`),
  bytes: (v: number | null) => (v === null ? '–' : `${(v / 1e6).toFixed(2)} MB`),
  num: (v: number) => String(Math.round(v * 1000) / 1000),
};

function table(runs: LighthouseRun[], med: LighthouseRun): string {
  const rows: [string, (r: LighthouseRun) => string][] = [
    ['performance', (r) => String(r.performance)],
    ['accessibility', (r) => String(r.accessibility)],
    ['best practices', (r) => String(r.bestPractices)],
    ['FCP', (r) => fmt.ms(r.fcpMs)],
    ['LCP', (r) => fmt.ms(r.lcpMs)],
    ['TBT', (r) => `${Math.round(r.tbtMs)} ms`],
    ['Speed Index', (r) => fmt.ms(r.speedIndexMs)],
    ['CLS', (r) => fmt.num(r.cls)],
    ['TTI', (r) => fmt.ms(r.ttiMs)],
    ['transferred (all)', (r) => fmt.bytes(r.totalBytes)],
    ['requests', (r) => String(r.requests)],
    ['before 1st reconstruction', (r) => fmt.bytes(r.bytesBeforeFirstReconstruction)],
    ['before all 7', (r) => fmt.bytes(r.bytesBeforeAllReconstructions)],
    ['1st reconstruction at', (r) => fmt.ms(r.firstReconstructionMs)],
    ['load average', (r) => `${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)}`],
  ];
  const header = ['', ...runs.map((_, i) => `run ${i + 1}`), 'median'];
  const body = rows.map(([name, get]) => [name, ...runs.map(get), get(med)]);
  const widths = header.map((_, c) => Math.max(...[header, ...body].map((row) => (row[c] ?? '').length)));
  return [header, ...body]
    .map((row) =>
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  '),
    )
    .join('\n');
}

function medianRun(runs: LighthouseRun[]): LighthouseRun {
  const pick = <K extends keyof LighthouseRun>(key: K) => runs.map((r) => r[key]);
  const med = (key: keyof LighthouseRun) => {
    const values = pick(key).filter((v): v is number => typeof v === 'number');
    return values.length ? median(values) : null;
  };
  return {
    performance: med('performance') ?? 0,
    accessibility: med('accessibility') ?? 0,
    bestPractices: med('bestPractices') ?? 0,
    fcpMs: med('fcpMs') ?? Number.NaN,
    lcpMs: med('lcpMs') ?? Number.NaN,
    tbtMs: med('tbtMs') ?? Number.NaN,
    speedIndexMs: med('speedIndexMs') ?? Number.NaN,
    cls: med('cls') ?? Number.NaN,
    ttiMs: med('ttiMs') ?? Number.NaN,
    totalBytes: med('totalBytes') ?? Number.NaN,
    requests: med('requests') ?? 0,
    bytesBeforeFirstReconstruction: med('bytesBeforeFirstReconstruction'),
    bytesBeforeAllReconstructions: med('bytesBeforeAllReconstructions'),
    firstReconstructionMs: med('firstReconstructionMs'),
    allReconstructionsMs: med('allReconstructionsMs'),
    load: [median(runs.map((r) => r.load[0])), median(runs.map((r) => r.load[1]))],
  };
}

async function main(): Promise<void> {
  await mkdir(REPORTS_DIR, { recursive: true });
  let server: PreviewServer | undefined;
  let url = URL_OPTION;
  if (BUILD) {
    console.log('building…');
    await build({ root: appDir, logLevel: 'warn' });
  }
  if (!url) {
    const port = await freePort();
    server = await preview({
      root: appDir,
      logLevel: 'warn',
      preview: { host: '127.0.0.1', port, strictPort: true },
    });
    url = `http://127.0.0.1:${port}/`;
  }
  try {
    const runs: LighthouseRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      console.log(`Lighthouse mobile, run ${i + 1} of ${RUNS}…`);
      runs.push(await lighthouse(url, i));
    }
    const med = medianRun(runs);
    const repeat = server ? await visits(url) : null;
    const { stdout: chromiumVersion } = await run(CHROMIUM, ['--version']).catch(() => ({
      stdout: 'unknown',
    }));
    const lighthouseVersion = (
      JSON.parse(await readFile(join(appDir, 'node_modules/lighthouse/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;

    console.log(`\n${table(runs, med)}`);
    if (repeat) {
      console.log(
        `\nfirst visit: ${fmt.bytes(repeat.first.bytes)} in ${repeat.first.fromNetwork.length} requests; ` +
          `second visit: ${repeat.second.bytes} bytes (${repeat.second.fromNetwork.join(', ') || 'nothing'} ` +
          `from the network, ${repeat.second.fromCache} from the cache)`,
      );
    }
    const verdicts = Object.fromEntries(
      Object.entries(TARGETS).map(([key, target]) => {
        const value = med[key as keyof typeof TARGETS];
        const met = value !== null && (target.better === 'higher' ? value >= target.at : value <= target.at);
        return [key, { target: target.at, better: target.better, median: value, met }];
      }),
    );
    console.log(
      `\ntargets: ${Object.entries(verdicts)
        .map(([k, v]) => `${k} ${v.met ? 'met' : 'MISSED'}`)
        .join(', ')}`,
    );
    console.log(
      `1-minute load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores: TBT grows with it.`,
    );

    await mkdir(join(appDir, 'bench-results'), { recursive: true });
    const json = JSON.stringify(
      {
        date: new Date().toISOString(),
        command: `pnpm --filter @autoencoders/web-demo bench ${args.join(' ')}`.trim(),
        url: URL_OPTION || 'vite preview of the production build',
        lighthouse: lighthouseVersion,
        chromium: chromiumVersion.trim(),
        profile: 'mobile (Lighthouse default: simulated slow 4G, 4× CPU slowdown)',
        machine: { cores: cpus().length, note: 'load average per run in runs[].load' },
        targets: verdicts,
        median: med,
        runs,
        repeatVisit: repeat,
      },
      null,
      2,
    );
    // Laid out as the repo's Biome formats JSON, so that `biome check` passes on the committed file.
    await writeFile(RESULT, await biomeFormat(json, 'apps/web-demo/bench-results/lighthouse.json'));
    console.log(`wrote ${RESULT}`);
  } finally {
    await server?.close();
  }
}

await main();
