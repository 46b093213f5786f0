/** Calling the worker under test, from inside workerd, without a network. */

import { exports } from 'cloudflare:workers';
import { createClient } from '@autoencoders/client';
import { expect } from 'vitest';

export const BASE = 'http://edge.test';

/** The worker's own fetch handler, as `wrangler dev` or production would call it. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

/** `@autoencoders/client`, as apps use it, over the worker's own fetch handler. */
export const api = createClient(BASE, {
  fetch: (input, init) => exports.default.fetch(new Request(input, init)),
});

export function postJson(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return call(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function postPng(
  path: string,
  png: Uint8Array,
  headers: Record<string, string> = {},
): Promise<Response> {
  return call(path, { method: 'POST', headers: { 'Content-Type': 'image/png', ...headers }, body: png });
}

/** Checks an RFC 9457 response and returns its body. */
export async function expectProblem(response: Response, status: number, slug: string) {
  const body = (await response.json()) as { type: string; title: string; status: number; detail: string };
  expect({ status: response.status, type: body.type }, body.detail).toEqual({
    status,
    type: `/problems/${slug}`,
  });
  expect(response.headers.get('Content-Type')).toBe('application/problem+json');
  expect(body.status).toBe(status);
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.detail.length).toBeGreaterThan(10);
  return body;
}

export const zeros = (n = 784) => Array.from({ length: n }, () => 0);
