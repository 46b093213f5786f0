/**
 * What only shows on a real connection to `wrangler dev` (workerd), written byte by byte: a request
 * refused before its body is read is answered at once, not after the client has sent the body;
 * broken chunked framing is a 400 problem; a client that hangs up mid-body is logged as such.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWranglerDev, type WranglerDev } from '../scripts/wrangler-dev.ts';

let server: WranglerDev;

beforeAll(async () => {
  server = await startWranglerDev({ vars: { REQUEST_LOGS: 'on' }, logLevel: 'log' });
});

afterAll(async () => {
  await server?.stop();
});

interface RawAnswer {
  status: number;
  body: string;
  /** Milliseconds from sending the head to the first byte of the answer. */
  ms: number;
}

/** Sends `head` (and `body`, if any) on a fresh connection, without ever finishing a declared body. */
function raw(base: string, head: string, body = '', waitMs = 5000): Promise<RawAnswer | undefined> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    let first: number | undefined;
    const started = performance.now();
    const done = () => {
      socket.destroy();
      if (first === undefined) return resolve(undefined);
      const [status, ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(status?.split(' ')[1]), body: rest.join('\r\n\r\n'), ms: first });
    };
    socket.on('data', (chunk) => {
      first ??= performance.now() - started;
      text += chunk;
      if (/\r\n\r\n[\s\S]*\}/.test(text)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(`${head.replace(/\n/g, '\r\n')}\r\n\r\n${body}`);
    setTimeout(done, waitMs);
  });
}

const reconstruct = (headers: string) =>
  `POST /v1/models/simple/reconstruct HTTP/1.1\nHost: edge.test\nContent-Type: application/json\n${headers}`;

describe('refusals before the body is read come back at once', () => {
  it('a Content-Length over the limit: 413, with the body never sent', async () => {
    const answer = await raw(server.url, reconstruct('Content-Length: 5000000'), '{"images":[[0,');
    expect(answer?.status, server.log()).toBe(413);
    expect(answer?.body).toContain('/problems/payload-too-large');
    expect(answer?.ms).toBeLessThan(2000);
  });

  it('the same with Expect: 100-continue, which sends nothing until told', async () => {
    const answer = await raw(server.url, reconstruct('Content-Length: 5000000\nExpect: 100-continue'));
    expect(answer?.status).toBe(413);
    expect(answer?.ms).toBeLessThan(2000);
  });

  it('an unknown model, whose body is never looked at', async () => {
    const head = `POST /v1/models/nope/reconstruct HTTP/1.1\nHost: edge.test\nContent-Type: application/json\nContent-Length: 900000`;
    const answer = await raw(server.url, head, '{"images":');
    expect(answer?.status).toBe(404);
    expect(answer?.ms).toBeLessThan(2000);
  });
});

describe('broken bodies', () => {
  it('a chunk size that is not hex is a 400 problem at the worker', async () => {
    // wrangler dev's own proxy answers such a request with its 503 "worker restarted" text before
    // the worker sees it, so this goes to the worker's socket, as Cloudflare's edge would.
    const base = server.inner ?? server.url;
    const answer = await raw(base, reconstruct('Transfer-Encoding: chunked'), 'zz\r\n{"images"\r\n0\r\n\r\n');
    expect(answer?.status, server.log()).toBe(400);
    expect(answer?.body).toContain('/problems/malformed-body');
  });

  it('a client that hangs up mid-body is logged as a client abort, not as a server error', async () => {
    const base = server.inner ?? server.url;
    const { hostname, port } = new URL(base);
    const socket = connect(Number(port), hostname);
    socket.write(`${reconstruct('Content-Length: 20000').replace(/\n/g, '\r\n')}\r\n\r\n{"images":[[0,0,`);
    await new Promise((r) => setTimeout(r, 300));
    socket.destroy();
    const deadline = Date.now() + 10_000;
    while (!/"problem":"client-abort"/.test(server.log()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(server.log()).toMatch(/"status":400[^\n]*"problem":"client-abort"/);
    expect(server.log()).not.toMatch(/"level":"error"/);
  });
});
