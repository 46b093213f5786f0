/**
 * `wrangler dev` as the tests and the bench drive it: offline, on free loopback ports, with its own
 * state folder (so parallel runs share no cache), ready once it answers a route that opens no model.
 * For the bench it also finds, in /proc, the workerd process that runs the worker (its CPU time and
 * memory) and the worker's own socket behind wrangler's proxy worker, which production does not have.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const appDir = fileURLToPath(new URL('..', import.meta.url));
export const bin = (name: string) => join(appDir, 'node_modules/.bin', name);
export const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface WranglerDev {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Milliseconds from spawning wrangler to the worker answering a route that touches no model. */
  readyMs: number;
  /** The workerd process that runs the worker (not wrangler's proxy). */
  workerPid: number;
  /** The worker's own socket, behind wrangler's proxy. */
  inner: string | undefined;
  inspectorPort: number;
  /** What wrangler printed so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface WranglerDevOptions {
  /** `--var` values; REQUEST_LOGS is off unless given. */
  vars?: Record<string, string>;
  /** Another wrangler config, relative to the app (the bench's empty Worker). */
  config?: string;
  /** A wrangler.jsonc environment (the bench's `loadtest` has no rate limiter). */
  env?: string;
  /** wrangler's --log-level; the worker's console.log lines show from `log` down. */
  logLevel?: 'warn' | 'info' | 'log' | 'debug';
  timeoutMs?: number;
}

export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const state = await mkdtemp(join(tmpdir(), 'edge-api-wrangler-'));
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
  ];
  args.push('--persist-to', state, '--log-level', options.logLevel ?? 'warn');
  if (options.config) args.push('--config', options.config);
  if (options.env) args.push('--env', options.env);
  for (const [name, value] of Object.entries({ REQUEST_LOGS: 'off', ...options.vars }))
    args.push('--var', `${name}:${value}`);
  const started = performance.now();
  let output = '';
  const child: ChildProcess = spawn(bin('wrangler'), args, {
    cwd: appDir,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: stopping it stops workerd too.
    detached: true,
  });
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    }
  };
  process.once('exit', kill);
  const stop = async () => {
    process.off('exit', kill);
    kill();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    await rm(state, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.timeoutMs ?? 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`);
    }
    if (performance.now() - started > timeoutMs) {
      await stop();
      throw new Error(`wrangler dev did not answer within ${timeoutMs / 1000} s:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/problems/not-found`, { redirect: 'manual' });
      await response.arrayBuffer();
      if (response.status === 302) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const readyMs = performance.now() - started;
  const pids = child.pid ? await workerdPids(child.pid) : [];
  const inner = await innerWorker(pids, port);
  const workerPid = inner?.pid ?? (pids.at(-1) as number);
  return { url, readyMs, workerPid, inner: inner?.base, inspectorPort, log: () => output, stop };
}

/** The workerd processes under a process (wrangler runs the worker and its dev proxy in them). */
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

async function innerWorker(pids: readonly number[], publicPort: number) {
  for (const pid of pids) {
    for (const port of await listeningPorts(pid)) {
      if (port === publicPort) continue;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/problems/not-found`, {
          redirect: 'manual',
          signal: AbortSignal.timeout(2000),
        });
        await response.arrayBuffer();
        if (response.status === 302) return { pid, base: `http://127.0.0.1:${port}` };
      } catch {
        // Another of workerd's sockets (inspector, loopback services).
      }
    }
  }
  return undefined;
}

/** CPU time (user + system) a process has used, in ms. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}
