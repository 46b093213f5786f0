/**
 * The API's contract and its documentation: /openapi.json (generated from the route schemas) and the
 * /docs page.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { docsPage } from './docs.ts';
import { LIMITS } from './limits.ts';

const info = {
  title: 'Autoencoders edge API',
  version: '0.1.0',
  description: `The seven autoencoders of "Building Autoencoders in Keras", served with onnxruntime-web on Cloudflare Workers. Errors are RFC 9457 problem details (application/problem+json). Limits: ${LIMITS.maxBatch} images or codes per request, ${LIMITS.maxJsonBytes} bytes of JSON, ${LIMITS.maxPngBytes} bytes of PNG.`,
};

export function registerDocs<E extends Env>(app: OpenAPIHono<E>): void {
  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info,
    servers: [{ url: new URL(c.req.url).origin }],
  }));

  let docs: string | undefined;
  app.get('/docs', (c) => {
    docs ??= docsPage(app.getOpenAPI31Document({ openapi: '3.1.0', info }));
    return c.html(docs);
  });
}
