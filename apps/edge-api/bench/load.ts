/**
 * One autocannon run, in its own process so that the load generator never shares an event loop with
 * the bench that watches the server. Usage: tsx bench/load.ts '<json options>'; prints autocannon's
 * result as JSON. (autocannon's CLI reads `-i` bodies as UTF-8, which corrupts PNG uploads.)
 */
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';

interface Options {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  bodyFile?: string;
  connections: number;
  duration: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const result = await autocannon({
  url: options.url,
  method: options.method,
  headers: options.headers,
  ...(options.bodyFile ? { body: await readFile(options.bodyFile) } : {}),
  connections: options.connections,
  duration: options.duration,
  timeout: 10,
});
process.stdout.write(JSON.stringify(result));
