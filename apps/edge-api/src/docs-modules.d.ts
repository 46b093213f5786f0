// What wrangler's second `Data` rule (wrangler.jsonc) makes of Swagger UI's files: their bytes.

declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const bytes: ArrayBuffer;
  export default bytes;
}

declare module 'swagger-ui-dist/swagger-ui.css' {
  const bytes: ArrayBuffer;
  export default bytes;
}
