/**
 * The contract and its documentation as the worker serves them: /openapi.json must equal the
 * checked-in openapi.json (the file the client's types are generated from), and /docs must serve its
 * own files under a strict policy and explain every problem type.
 */
import { describe, expect, it } from 'vitest';
import checkedIn from '../openapi.json';
import { PROBLEM_TYPES } from '../src/problems.ts';
import { call } from './helpers.ts';

const withoutServers = ({ servers: _, ...document }: Record<string, unknown>) => document;

describe('/openapi.json', () => {
  it('is the checked-in openapi.json (after a route change: pnpm --filter @autoencoders/edge-api openapi)', async () => {
    const response = await call('/openapi.json');
    expect(response.status).toBe(200);
    const served = (await response.json()) as Record<string, unknown>;
    expect(withoutServers(served)).toEqual(withoutServers(checkedIn));
    expect(served.servers).toEqual([{ url: 'http://edge.test', description: 'This deployment' }]);
  });

  it('gives every operation an id, a tag and a 4xx answer, and declares the key scheme', () => {
    const operations = Object.values(checkedIn.paths).flatMap((methods) => Object.values(methods));
    expect(operations).toHaveLength(9);
    const tags = checkedIn.tags.map((t) => t.name);
    for (const operation of operations) {
      expect(operation.operationId).toMatch(/^[a-zA-Z]+$/);
      expect(tags).toEqual(expect.arrayContaining(operation.tags));
    }
    expect(checkedIn.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(checkedIn.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
  });
});

describe('/docs', () => {
  it('is an HTML page under a Content-Security-Policy that allows no inline or outside script', async () => {
    const response = await call('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    const policy = response.headers.get('Content-Security-Policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|https?:/);
    const html = await response.text();
    // Every script is a file from this origin: no inline code, no CDN.
    expect(html.match(/<script[^>]*>/g)?.every((tag) => /src="\/docs\//.test(tag))).toBe(true);
    expect(html).not.toMatch(/<script[^>]*>[^<]/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves the Swagger UI files it links, cached by version', async () => {
    const html = await (await call('/docs')).text();
    const files = [...html.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(files).toHaveLength(4);
    for (const file of files) {
      const response = await call(file);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('Content-Type'), file).toMatch(/^text\/(javascript|css)/);
      expect(response.headers.get('X-Content-Type-Options'), file).toBe('nosniff');
      const body = await response.text();
      if (file.includes('/swagger-ui/')) {
        expect(response.headers.get('Cache-Control'), file).toContain('immutable');
        expect(body.length, file).toBeGreaterThan(100_000);
      }
    }
    // The bytes come from a module shared by every request: a second answer must be whole too.
    const bundle = files.find((f) => f.endsWith('/swagger-ui-bundle.js')) as string;
    const [first, second] = await Promise.all(
      [call(bundle), call(bundle)].map(async (r) => (await r).text()),
    );
    expect(second).toBe(first);
    expect(await (await call('/docs/init.js')).text()).toContain('url: "/openapi.json"');
    const missing = await call('/docs/swagger-ui/0.0.0/swagger-ui-bundle.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('Content-Type')).toBe('application/problem+json');
  });

  it('explains every problem type where /problems/<slug> leads', async () => {
    const html = await (await call('/docs')).text();
    for (const [slug, { status }] of Object.entries(PROBLEM_TYPES)) {
      const response = await call(`/problems/${slug}`, { redirect: 'manual' });
      expect(response.status, slug).toBe(302);
      expect(response.headers.get('Location'), slug).toBe(`/docs#problem-${slug}`);
      expect(html, slug).toMatch(new RegExp(`<tr id="problem-${slug}">.*<td>${status}</td>`));
    }
  });
});
