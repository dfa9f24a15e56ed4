import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { disabledSentry, loadSentry, toMonitorSlug } from '../../src/notify/sentry-loader.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Modules a file imports for their values (not `import type`, not dynamic `import()`). */
function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const pattern = /^\s*(?:import|export)\s+(?!type\b)(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  return [...source.matchAll(pattern)].map((m) => m[1] as string);
}

/** Every package reached from `entry` through static imports of project files. */
function staticPackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(join(root, entry));
  return packages;
}

describe('Sentry without a DSN', () => {
  it('is a no-op reporter that still runs the wrapped function', async () => {
    for (const options of [undefined, {}, { dsn: '' }]) {
      const sentry = await loadSentry(options);
      expect(sentry).toBe(disabledSentry);
      expect(sentry.enabled).toBe(false);
      expect(
        sentry.captureRunFailure(new Error('x'), { job: 'j', runId: '1', trigger: 'manual', dryRun: false }),
      ).toBe(undefined);
      expect(sentry.captureMessage('hello')).toBe(undefined);
      expect(await sentry.withCheckIn({ monitorSlug: 'm', schedule: '* * * * *' }, () => 42)).toBe(42);
      await expect(
        sentry.withCheckIn({ monitorSlug: 'm', schedule: '* * * * *' }, async () => {
          throw new Error('run failed');
        }),
      ).rejects.toThrow('run failed');
      expect(await sentry.flush(10)).toBe(true);
      expect(await sentry.close(10)).toBe(true);
    }
  });

  it('keeps @sentry/node out of the modules the CLI may load eagerly', () => {
    for (const entry of [
      'src/notify/sentry-loader.ts',
      'src/notify/slack.ts',
      'src/notify/sentry-types.ts',
    ]) {
      const packages = [...staticPackages(entry)];
      expect(
        packages.filter((p) => p.startsWith('@sentry/')),
        entry,
      ).toEqual([]);
    }
    // The check itself sees the SDK where it is imported.
    expect([...staticPackages('src/notify/sentry.ts')]).toContain('@sentry/node');
  });
});

describe('toMonitorSlug', () => {
  it('makes a Sentry-valid slug from a job name', () => {
    expect(toMonitorSlug('update-component')).toBe('release-bot-update-component');
    expect(toMonitorSlug('Move Stable Branches!', '')).toBe('move-stable-branches');
    expect(toMonitorSlug('x'.repeat(80))).toHaveLength(50);
    expect(toMonitorSlug('x'.repeat(80))).toMatch(/^[a-z0-9_-]+$/);
  });
});
