/** Generated files laid out as the repo's Biome formats them, so that they diff like handwritten ones. */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `text` as Biome formats it at `path` (relative to the repo root, for its settings). */
export function biomeFormat(text: string, path: string): Promise<string> {
  const biome = createRequire(`${ROOT}package.json`).resolve('@biomejs/biome/bin/biome');
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [biome, 'format', `--stdin-file-path=${path}`],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`biome format: ${stderr || error.message}`)) : resolve(stdout),
    );
    child.stdin?.end(text);
  });
}
