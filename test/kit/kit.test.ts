import { describe, expect, it } from 'vitest';
import type { CommitCheck } from '../../src/forges/types.js';
import { checksVerdict, newestPerName } from '../../src/kit/checks.js';
import { globToRegExp, matchesAny } from '../../src/kit/glob.js';
import { marker, readMarker, readMarkers } from '../../src/kit/marker.js';
import { extract, render } from '../../src/kit/template.js';

const check = (name: string, status: CommitCheck['status'], createdAt: string, id = 1): CommitCheck => ({
  id,
  name,
  kind: 'check_run',
  status,
  webUrl: 'http://x',
  createdAt,
  completedAt: null,
});

describe('kit', () => {
  it('round-trips hidden markers and ignores broken or foreign ones', () => {
    const text = `Bump\n\n${marker('update-component', { component: 'gitaly', sha: 'abc', note: 'a -- b' })}\n${marker('other', { x: 1 })}`;
    expect(text).not.toMatch(/a -- b/);
    expect(readMarker(text, 'update-component')).toEqual({ component: 'gitaly', sha: 'abc', note: 'a -- b' });
    expect(readMarkers(text, 'other')).toEqual([{ x: 1 }]);
    expect(readMarker('<!-- release-bot:update-component {broken -->', 'update-component')).toBeUndefined();
    expect(readMarker(null, 'x')).toBeUndefined();
  });

  it('matches shell-style patterns', () => {
    expect(globToRegExp('*stage*').test('packit-stage-tests')).toBe(true);
    expect(matchesAny('build-assets-image', ['docs-*', 'build-assets-*'])).toBe(true);
    expect(matchesAny('build.assets', ['build?assets'])).toBe(true);
    expect(matchesAny('rspec', ['build-*'])).toBe(false);
  });

  it('keeps only the newest check per name', () => {
    const checks = [
      check('test', 'failed', '2026-01-01T10:00:00Z', 1),
      check('test', 'success', '2026-01-01T10:05:00Z', 2),
      check('lint', 'success', '2026-01-01T10:00:00Z', 3),
    ];
    expect(
      newestPerName(checks)
        .map((c) => c.id)
        .sort(),
    ).toEqual([2, 3]);
    expect(checksVerdict(checks)).toBe('green');
    expect(checksVerdict([...checks, check('deploy-stage', 'running', '2026-01-01T10:06:00Z', 4)])).toBe(
      'pending',
    );
    expect(checksVerdict([check('x', 'canceled', '2026-01-01T10:00:00Z')])).toBe('red');
    expect(checksVerdict(checks, ['*stage*'])).toBe('none');
  });

  it('renders templates and reads the value back', () => {
    expect(render('{sha}\n', { sha: 'abc123' })).toBe('abc123\n');
    expect(extract('{sha}\n', 'abc123\n', 'sha')).toBe('abc123');
    expect(extract('{sha}\n', 'abc123', 'sha')).toBe('abc123');
    expect(extract('VERSION={sha}\n', 'VERSION=deadbeef\n', 'sha')).toBe('deadbeef');
    expect(extract('VERSION={sha}\n', 'something else\n', 'sha')).toBeUndefined();
    expect(extract('# {name}\nREF={sha}\n', '# gitaly\nREF=abc\n', 'sha')).toBe('abc');
  });
});
