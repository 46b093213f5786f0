// Every relative link and image in the repository's Markdown files points at a file that exists, and
// every #anchor at a heading that exists: the READMEs are the project's map, so a moved section or
// file must not leave a dead link behind.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

const markdownFiles = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'],
  {
    cwd: ROOT,
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((file) => file && !file.includes('node_modules/') && existsSync(path.join(ROOT, file)));

/** The text outside fenced code blocks and inline code, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = (heading ?? '').replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

function links(markdown: string): string[] {
  const found: string[] = [];
  for (const [, target] of prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (target && !/^[a-z][a-z0-9+.-]*:/i.test(target)) found.push(target);
  }
  return found;
}

describe('links in the Markdown files', () => {
  it('finds the READMEs to check', () => {
    expect(markdownFiles).toContain('README.md');
    expect(markdownFiles.length).toBeGreaterThan(5);
  });

  it.each(markdownFiles)('%s: every relative link resolves', (file) => {
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    const broken: string[] = [];
    for (const link of links(source)) {
      const [target = '', anchor] = link.split('#');
      const resolved = target
        ? path.resolve(path.dirname(path.join(ROOT, file)), decodeURI(target))
        : path.join(ROOT, file);
      if (!existsSync(resolved)) {
        broken.push(`${link}: no such file`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && statSync(resolved).isFile()) {
        if (!anchors(readFileSync(resolved, 'utf8')).has(anchor))
          broken.push(`${link}: no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('derives anchors as GitHub does', () => {
    const set = anchors('# A b\n## Checking a release: `pnpm evaluate`\n## A b\n```\n# not a heading\n```\n');
    expect([...set]).toEqual(['a-b', 'checking-a-release-pnpm-evaluate', 'a-b-1']);
  });
});
