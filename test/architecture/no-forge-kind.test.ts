import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Jobs never ask which forge they talk to: what differs is a link helper (`forge.links`), a
 * capability (`forge.capabilities`) or an adapter method. A third forge then means one adapter,
 * not an edit in every job. (Demo stories, in demo/, seed a simulated world and may know its kind.)
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function jobFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jobFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Reading a forge's kind, its type, or comparing anything against a forge kind's name. */
const FORBIDDEN = [
  /\bforge\??\.kind\b/,
  /\bForgeKind\b/,
  /[!=]==?\s*['"`](?:gitlab|github)['"`]/,
  /['"`](?:gitlab|github)['"`]\s*[!=]==?/,
];

export function forgeKindUses(files: { path: string; text: string }[]): string[] {
  const hits: string[] = [];
  for (const { path, text } of files)
    text.split('\n').forEach((line, i) => {
      // Comments may name what they avoid; only code counts.
      const code = /^\s*(?:\*|\/\*)/.test(line) ? '' : line.replace(/(^|\s)\/\/.*$/, '');
      if (FORBIDDEN.some((re) => re.test(code))) hits.push(`${path}:${i + 1}: ${line.trim()}`);
    });
  return hits;
}

describe('jobs and forge kinds', () => {
  it('finds no job that reads or compares a forge kind', () => {
    const files = jobFiles(join(ROOT, 'jobs')).map((path) => ({
      path: relative(ROOT, path),
      text: readFileSync(path, 'utf8'),
    }));
    expect(files.length).toBeGreaterThan(20);
    expect(forgeKindUses(files)).toEqual([]);
  });

  it('recognises the shapes it forbids, and not step kinds', () => {
    const hits = forgeKindUses([
      {
        path: 'x.ts',
        text: [
          "if (forge.kind === 'gitlab') a();",
          'const k = target.forge.kind;',
          "const s = kind === 'github' ? '#' : '!';",
          "import type { ForgeKind } from '../../src/forges/types.js';",
          "if (target.kind === 'github') c();",
          "if (step.kind === 'open-mr') b();",
          "return target.kind === 'ref' ? x : y;",
          'const noun = forge.links.changeRequestNoun; // never `forge.kind`',
          'const sigil = forge.links.changeRequestSigil;',
        ].join('\n'),
      },
    ]);
    expect(hits.map((h) => h.split(':')[1])).toEqual(['1', '2', '3', '4', '5']);
  });
});
