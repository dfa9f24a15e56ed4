import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** npm metadata: `npm pack` holds what a user runs (compiled JS, example config, deploy examples), no sources or tests. */
describe('npm package', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    engines: { node: string };
    files: string[];
  };

  it('names its binary, the Node majors it supports, and a files list', () => {
    expect(pkg.bin['release-bot']).toBe('dist/app/cli.js');
    // CI runs Node 20 and Node 24 (.ci/run); 22 is accepted (it has node:sqlite from 22.13).
    expect(pkg.engines.node).toBe('^20.19.0 || ^22.12.0 || ^24.0.0');
    expect(pkg.files.length).toBeGreaterThan(0);
  });

  it('packs compiled JavaScript, the example config and deploy examples; no sources, tests, benches, maps, demo or simulator', async () => {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
    });
    const paths = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'dist/app/cli.js',
      'dist/app/jobs.js',
      'config/release-bot.yaml',
      'config/schema.json',
      'deploy/kubernetes/cronjobs.yaml',
    ])
      expect(paths).toContain(needed);
    const stray = paths.filter(
      (p) =>
        /^(src|test|bench|jobs|app|demo|packages|\.ci)\//.test(p) ||
        /^dist\/(demo|packages)\//.test(p) ||
        /\.(ts|map|tsbuildinfo)$/.test(p) ||
        /^(tsconfig|vitest|eslint)/.test(p) ||
        /(^|\/)\.release-bot\//.test(p),
    );
    expect(stray).toEqual([]);
  });
});
