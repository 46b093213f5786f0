/**
 * /docs: Swagger UI over /openapi.json, with "try it" against this deployment, and the problem types
 * below it. Every file is served by the Worker itself, so the page works offline under `wrangler dev`,
 * needs no CDN and runs under a Content-Security-Policy that allows no inline script.
 */
import { version as swaggerUiVersion } from 'swagger-ui-dist/package.json';
import { PROBLEM_TYPES } from './problems.ts';

/**
 * The page's policy: only this origin's scripts, styles and requests. Swagger UI sets its inline styles
 * through the DOM, which the policy does not govern, so styles need no 'unsafe-inline'. The exceptions
 * are images: `data:` for the icons in Swagger UI's CSS (and the page's empty favicon), `blob:` to show
 * a PNG that "try it" received.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The library's files change only with its version, which is in their URL: cache them for good. */
const LIBRARY = `swagger-ui/${swaggerUiVersion}`;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=300';

/** Starts Swagger UI. A file rather than an inline script, for the CSP. */
const INIT_JS = `"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  // The default would load a validity badge from validator.swagger.io.
  validatorUrl: null,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
  onComplete: function () {
    // The browser scrolled to a #problem-… anchor before Swagger UI grew above it: scroll again.
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target) target.scrollIntoView();
  },
});
`;

const DOCS_CSS = `body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#3b4151}
.problems code{font:13px ui-monospace,monospace;background:#f4f4f4;padding:0 .2em}
.problems{max-width:1460px;margin:0 auto;padding:0 20px 3rem;box-sizing:border-box}
.problems table{border-collapse:collapse}
.problems td,.problems th{padding:.25rem .8rem;border-bottom:1px solid #eee;text-align:left}
.problems tr:target{background:#fff6d5}
`;

interface DocsFile {
  body: string | ArrayBuffer;
  type: string;
  cacheControl: string;
}

/** A file under /docs/, or undefined. Swagger UI's are loaded on the first request for one of them. */
export async function docsFile(path: string): Promise<DocsFile | undefined> {
  if (path === 'init.js')
    return { body: INIT_JS, type: 'text/javascript; charset=utf-8', cacheControl: SHORT };
  if (path === 'docs.css') return { body: DOCS_CSS, type: 'text/css; charset=utf-8', cacheControl: SHORT };
  if (!path.startsWith(`${LIBRARY}/`)) return undefined;
  // Imported here, not at the top: Node-side tools (scripts/openapi.ts) load this module without
  // wrangler's module rules, and would otherwise run Swagger UI's bundle as code.
  const { swaggerUiBundle, swaggerUiCss } = await import('./docs-assets.ts');
  const name = path.slice(LIBRARY.length + 1);
  if (name === 'swagger-ui-bundle.js')
    return { body: swaggerUiBundle, type: 'text/javascript; charset=utf-8', cacheControl: IMMUTABLE };
  if (name === 'swagger-ui.css')
    return { body: swaggerUiCss, type: 'text/css; charset=utf-8', cacheControl: IMMUTABLE };
  return undefined;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

export function docsPage(): string {
  const problems = Object.entries(PROBLEM_TYPES)
    .map(
      ([slug, { status, title }]) =>
        `<tr id="problem-${slug}"><td><code>/problems/${slug}</code></td><td>${status}</td><td>${escapeHtml(title)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Autoencoders edge API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/${LIBRARY}/swagger-ui.css">
<link rel="stylesheet" href="/docs/docs.css">
</head>
<body>
<div id="swagger-ui"><noscript><p class="problems">This reference needs JavaScript; <a href="/openapi.json">/openapi.json</a> is the same contract as a file.</p></noscript></div>
<section class="problems" id="problems">
<h2>Problem types</h2>
<p>Every error is <code>application/problem+json</code> (RFC 9457) with <code>type</code>, <code>title</code>,
<code>status</code> and a <code>detail</code> saying what to change; validation errors add <code>errors</code>, JSON pointers to each bad value.
A <code>type</code> followed as a link leads to its row here.</p>
<table>
<thead><tr><th>type</th><th>status</th><th>meaning</th></tr></thead>
<tbody>
${problems}
</tbody>
</table>
</section>
<script src="/docs/${LIBRARY}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
}
