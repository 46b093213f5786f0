/**
 * The contract file: what scripts/openapi.ts generates, and clean under Redocly CLI's `recommended`
 * rules (the ruleset most OpenAPI tooling is checked against).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { renderContract } from '../scripts/openapi.ts';

const appDir = fileURLToPath(new URL('..', import.meta.url));

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

it('openapi.json is what `pnpm --filter @autoencoders/edge-api openapi` writes', async () => {
  expect(await readFile(`${appDir}openapi.json`, 'utf8')).toBe(await renderContract());
});

it("openapi.json passes Redocly's recommended rules with no error", async () => {
  const { stdout } = await promisify(execFile)(
    `${appDir}node_modules/.bin/redocly`,
    ['lint', 'openapi.json', '--extends', 'recommended', '--format', 'json'],
    {
      cwd: appDir,
      // Offline and quiet: no usage data, no update check.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  ).catch((error: { stdout?: string; message: string }) => {
    // Exit code 1 means errors were found; the report is still on stdout.
    if (error.stdout) return { stdout: error.stdout };
    throw error;
  });
  const { problems } = JSON.parse(stdout) as { problems: LintProblem[] };
  const describe = (p: LintProblem) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`;
  const warnings = problems.filter((p) => p.severity === 'warn');
  if (warnings.length > 0) console.warn(`redocly lint: ${warnings.map(describe).join('\n')}`);
  expect(problems.filter((p) => p.severity === 'error').map(describe)).toEqual([]);
});
