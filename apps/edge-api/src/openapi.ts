/**
 * The API's contract and its documentation: /openapi.json (generated from the route schemas), the
 * /docs page and its files. `pnpm openapi` writes the same document to openapi.json, the checked-in
 * contract that the client's types are generated from.
 */
import { IMAGE_SIZE } from '@autoencoders/modelkit';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { DOCS_CSP, docsFile, docsPage } from './docs.ts';
import { LIMITS } from './limits.ts';
import { Problem } from './problems.ts';

type DocumentConfig = Parameters<OpenAPIHono['getOpenAPI31Document']>[0];

const MiB = 1024 * 1024;

/** Rendered by /docs above the operations: what every route shares. */
const description = `The seven autoencoders of "Building Autoencoders in Keras", served with onnxruntime-web on Cloudflare Workers.

**Images** are ${IMAGE_SIZE} numbers in 0..1 (28×28, row by row, white digit on black), sent as JSON \`{"images": [[…], …]}\`, or as one PNG body (\`Content-Type: image/png\`, any size or colours) that the API turns into an MNIST-style input. Send \`Accept: image/png\` to get pictures back. \`Server-Timing\` reports the time spent opening the model (\`session\`) and running it (\`inference\`).

**Limits**: ${LIMITS.maxBatch} images or codes per request; JSON bodies up to ${LIMITS.maxJsonBytes / MiB} MiB; PNG uploads up to ${LIMITS.maxPngBytes / MiB} MiB and ${Math.sqrt(LIMITS.maxPngPixels)}×${Math.sqrt(LIMITS.maxPngPixels)} pixels; manifold n up to ${LIMITS.maxManifold}.

**Keys**: where the deployment sets \`API_KEYS\`, every \`/v1\` request needs \`Authorization: Bearer <key>\` (*Authorize*, below). Answers 429 and 503 say in \`Retry-After\` when to try again.

**Errors** are RFC 9457 problem details (\`application/problem+json\`): a \`type\` (\`/problems/<slug>\`, which leads to its explanation under [Problem types](/docs#problems)), \`title\`, \`status\` and a \`detail\` saying what to change.`;

const info = {
  title: 'Autoencoders edge API',
  version: '0.1.0',
  description,
  license: { name: 'MIT', identifier: 'MIT' },
};

const tags = [
  { name: 'models', description: 'What is served: ids, operations, input and code shapes, test-set metrics' },
  {
    name: 'inference',
    description:
      'Running the models: 28×28 digits in (JSON values or a PNG body), codes or digits out (JSON, or PNG with `Accept: image/png`)',
  },
  { name: 'service', description: 'The state of the deployment itself' },
];

type Server = NonNullable<DocumentConfig['servers']>[number];

/**
 * The server the checked-in openapi.json names: a workers.dev deployment. (Locally, `pnpm dev:api`
 * serves http://localhost:8787.) The copy at /openapi.json names the origin it is served from.
 */
const DEPLOYED: Server = {
  url: 'https://autoencoders-edge-api.{subdomain}.workers.dev',
  description: 'A deployment on workers.dev (`wrangler deploy`)',
  variables: { subdomain: { default: 'your-subdomain', description: "The account's workers.dev subdomain" } },
};

function documentConfig(server: Server): DocumentConfig {
  return {
    openapi: '3.1.0',
    info,
    servers: [server],
    tags,
    // No key by default; the /v1 routes say they take one where the deployment requires it.
    security: [{}],
  };
}

/** The contract as `pnpm openapi` writes it (scripts/openapi.ts). */
export function contract<E extends Env>(app: OpenAPIHono<E>) {
  return app.getOpenAPI31Document(documentConfig(DEPLOYED));
}

export function registerDocs<E extends Env>(app: OpenAPIHono<E>): void {
  // The /v1 routes name it in `security`; whether a key is needed is the deployment's choice.
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key, when the deployment sets `API_KEYS`: `Authorization: Bearer <key>`. Without `API_KEYS`, no key is needed.',
  });

  app.doc31('/openapi.json', (c) =>
    documentConfig({ url: new URL(c.req.url).origin, description: 'This deployment' }),
  );

  let page: string | undefined;
  app.get('/docs', (c) => {
    page ??= docsPage();
    return c.html(page, 200, { 'Content-Security-Policy': DOCS_CSP, 'X-Content-Type-Options': 'nosniff' });
  });
  app.get('/docs/:file{.+}', async (c) => {
    const file = await docsFile(c.req.param('file'));
    if (!file) throw new Problem('not-found', `no file ${c.req.path}; the documentation is at /docs`);
    return c.body(file.body, 200, {
      'Content-Type': file.type,
      'Cache-Control': file.cacheControl,
      'X-Content-Type-Options': 'nosniff',
    });
  });
}
