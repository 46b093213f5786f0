/**
 * /docs: the OpenAPI document rendered as one self-contained HTML page. Swagger UI and the like load
 * from CDNs, which an offline `wrangler dev` cannot reach and a small API does not need.
 */
import { LIMITS } from './limits.ts';
import { PROBLEM_TYPES } from './problems.ts';

interface Operation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; description?: string; required?: boolean; schema?: unknown }[];
  requestBody?: { description?: string; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
}

interface Document {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

/** `curl` lines that work against `wrangler dev` on the default port. */
const EXAMPLES: Record<string, string> = {
  'GET /v1/models': 'curl -s localhost:8787/v1/models',
  'GET /v1/models/{id}': 'curl -s localhost:8787/v1/models/conv',
  'POST /v1/models/{id}/reconstruct': `curl -s -H 'Content-Type: image/png' -H 'Accept: image/png' --data-binary @digit.png localhost:8787/v1/models/simple/reconstruct -o out.png`,
  'POST /v1/models/{id}/encode': `curl -s -H 'Content-Type: image/png' --data-binary @digit.png localhost:8787/v1/models/vae/encode`,
  'POST /v1/models/{id}/decode': `curl -s -H 'Content-Type: application/json' -H 'Accept: image/png' -d '{"codes":[[0,0]]}' localhost:8787/v1/models/vae/decode -o digit.png`,
  'POST /v1/denoise': `curl -s -H 'Content-Type: image/png' -H 'Accept: image/png' --data-binary @digit.png 'localhost:8787/v1/denoise?noise=0.5&seed=1' -o denoised.png`,
  'GET /v1/models/{id}/manifold': `curl -s 'localhost:8787/v1/models/vae/manifold?n=15' -o manifold.png`,
  'GET /healthz': 'curl -s localhost:8787/healthz',
};

export function docsPage(document: unknown): string {
  const doc = document as Document;
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const key = `${method.toUpperCase()} ${path}`;
      const params = (op.parameters ?? [])
        .map(
          (p) =>
            `<li><code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.required ? ', required' : ''}) ${escapeHtml(p.description ?? '')}</li>`,
        )
        .join('');
      const body = op.requestBody
        ? `<p><b>Body</b>: ${escapeHtml(op.requestBody.description ?? '')} — ${Object.keys(
            op.requestBody.content ?? {},
          )
            .map((t) => `<code>${escapeHtml(t)}</code>`)
            .join(', ')}</p>`
        : '';
      const responses = Object.entries(op.responses ?? {})
        .map(
          ([status, r]) =>
            `<li><code>${status}</code> ${escapeHtml(r.description ?? '')} ${Object.keys(r.content ?? {})
              .map((t) => `<code>${escapeHtml(t)}</code>`)
              .join(', ')}</li>`,
        )
        .join('');
      const example = EXAMPLES[key];
      sections.push(`<section id="${escapeHtml(key.replace(/[^a-z0-9]+/gi, '-'))}">
<h2><span class="m">${method.toUpperCase()}</span> ${escapeHtml(path)}</h2>
<p>${escapeHtml(op.summary ?? '')}</p>
${params ? `<p><b>Parameters</b></p><ul>${params}</ul>` : ''}${body}
<p><b>Responses</b></p><ul>${responses}</ul>
${example ? `<pre>${escapeHtml(example)}</pre>` : ''}
</section>`);
    }
  }
  const problems = Object.entries(PROBLEM_TYPES)
    .map(
      ([slug, { status, title }]) =>
        `<tr id="problem-${slug}"><td><code>/problems/${slug}</code></td><td>${status}</td><td>${escapeHtml(title)}</td></tr>`,
    )
    .join('');
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(
      ([name, schema]) =>
        `<details><summary>${escapeHtml(name)}</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Autoencoders edge API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{font-size:1.1rem;margin:2rem 0 .3rem;border-top:1px solid #ddd;padding-top:1rem}
.m{display:inline-block;min-width:3.5rem;color:#06c}
code,pre{font:13px ui-monospace,monospace;background:#f4f4f4}pre{padding:.6rem;overflow-x:auto}
table{border-collapse:collapse}td{padding:.2rem .8rem;border-bottom:1px solid #eee}
</style></head><body>
<h1>Autoencoders edge API</h1>
<p>The seven autoencoders of “Building Autoencoders in Keras”, run by onnxruntime-web inside the Worker.
Machine-readable: <a href="/openapi.json">/openapi.json</a>.
Images are 784 numbers in 0..1 (28×28, row by row, white digit on black), sent as JSON
<code>{"images": [[…], …]}</code> or as one PNG body (<code>Content-Type: image/png</code>, any size or colours).
Send <code>Accept: image/png</code> to get pictures back. <code>Server-Timing</code> reports the inference time.</p>
<p><b>Limits</b>: ${LIMITS.maxBatch} images or codes per request; JSON bodies up to ${LIMITS.maxJsonBytes} bytes;
PNG uploads up to ${LIMITS.maxPngBytes} bytes and ${LIMITS.maxPngPixels} pixels; manifold n up to ${LIMITS.maxManifold}.</p>
${sections.join('\n')}
<h2 id="problems">Errors</h2>
<p>Every error is <code>application/problem+json</code> (RFC 9457) with <code>type</code>, <code>title</code>,
<code>status</code> and a <code>detail</code> saying what to change; validation errors add <code>errors</code>, JSON pointers to each bad value.</p>
<table>${problems}</table>
<h2>Schemas</h2>${schemas}
</body></html>`;
}
