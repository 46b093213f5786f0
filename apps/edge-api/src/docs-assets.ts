/**
 * Swagger UI's files, as bytes. wrangler's `Data` rule (wrangler.jsonc) bundles them as data modules:
 * the isolate neither parses them as JavaScript nor decodes them into strings when it starts (text
 * modules cost 10–20 ms more there), and /docs sends the bytes as they are.
 */
import swaggerUiCss from 'swagger-ui-dist/swagger-ui.css';
import swaggerUiBundle from 'swagger-ui-dist/swagger-ui-bundle.js';

export { swaggerUiBundle, swaggerUiCss };
