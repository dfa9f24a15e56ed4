import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { branchName, branchPart, refNameProblem } from '../../src/kit/ref-name.js';
import { projectPathProblem, repoFilePathProblem } from '../../src/kit/repo-path.js';

/**
 * The ref-name checker against git itself: every name here is also given to
 * `git check-ref-format --branch`, so the rules cannot drift from git's.
 */

function gitAccepts(name: string): boolean {
  try {
    // Outside any repository: `--branch` expands `@` and `@{-1}` against the current one.
    execFileSync('git', ['check-ref-format', '--branch', name], { stdio: 'ignore', cwd: tmpdir() });
    return true;
  } catch {
    return false;
  }
}

const VALID = [
  'main',
  'stable',
  'release-bot/update-gitaly',
  'release-bot/update-gitaly.v2',
  'feature/x_y-z',
  'a/b/c',
  'v1.2.3',
  'refs/merge-requests/1/head',
  'ünïcode',
  'x@y',
];

const INVALID: [string, string][] = [
  ['main..evil', '".."'],
  ['a/.hidden', 'starting with "."'],
  ['.start', 'starting with "."'],
  ['gitaly.lock', '".lock"'],
  ['a/b.lock/c', '".lock"'],
  ['ends/', '"/"'],
  ['/starts', '"/"'],
  ['a//b', '"//"'],
  ['ends.', 'ends with "."'],
  ['@', 'is "@"'],
  ['main@{1}', '"@{"'],
  ['has space', 'a space'],
  ['tab\there', '\\x09'],
  ['nul\0', '\\x00'],
  ['del\x7f', '\\x7f'],
  ['til~de', '"~"'],
  ['car^et', '"^"'],
  ['co:lon', '":"'],
  ['que?stion', '"?"'],
  ['st*ar', '"*"'],
  ['br[acket', '"["'],
  ['back\\slash', '"\\"'],
  ['-dash', 'starts with "-"'],
  ['', 'is empty'],
];

describe('git ref-name rules (refNameProblem)', () => {
  it.each(VALID)('accepts %j, as git does', (name) => {
    expect(refNameProblem(name)).toBeUndefined();
    expect(gitAccepts(name)).toBe(true);
  });

  it.each(INVALID)('refuses %j (%s), as git does', (name, why) => {
    expect(refNameProblem(name)).toContain(why);
    // git cannot take a NUL in an argument. `@` is stricter than git on purpose: git creates
    // refs/heads/@, but `@` means HEAD in every revision argument, so such a branch is ambiguous.
    if (!name.includes('\0') && name !== '@') expect(gitAccepts(name)).toBe(false);
  });

  it('zod schemas: branchName names the rule; branchPart checks the branch the value makes', () => {
    expect(branchName.safeParse('main').success).toBe(true);
    const bad = branchName.safeParse('main..x');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe('not a valid git branch name: contains ".."');
    const component = branchPart((n) => `release-bot/update-${n}`);
    expect(component.safeParse('gitaly').success).toBe(true);
    expect(component.safeParse('gitaly.lock').error?.issues[0]?.message).toContain(
      'makes the branch "release-bot/update-gitaly.lock"',
    );
    expect(component.safeParse('').error?.issues[0]?.message).toBe('is empty');
  });
});

describe('project and in-repo file paths', () => {
  it.each(['group/project', 'group/sub/project', 'owner/repo.js', 'owner/.github', 'a_b/c-d'])(
    'project path %j is accepted',
    (path) => expect(projectPathProblem(path)).toBeUndefined(),
  );
  it.each([
    ['', 'is empty'],
    ['project', 'group or owner'],
    ['org/..', '".."'],
    ['../org/x', '".."'],
    ['org//x', 'empty segment'],
    ['org/x?y=1', 'may only use'],
    ['org/x#frag', 'may only use'],
    ['org/x%2F..', 'may only use'],
    ['org/-x', 'may only use'],
    ['org/x.git', '.git or .atom'],
  ])('project path %j is refused (%s)', (path, why) => expect(projectPathProblem(path)).toContain(why));

  it.each(['VERSION', 'a/b/c.txt', 'GITALY_SERVER_VERSION', '.gitlab-ci.yml', 'dir/.hidden'])(
    'file path %j is accepted',
    (path) => expect(repoFilePathProblem(path)).toBeUndefined(),
  );
  it.each([
    ['', 'is empty'],
    ['/etc/passwd', 'starts with "/"'],
    ['../x', '".."'],
    ['a/../../x', '".."'],
    ['./x', '"."'],
    ['.git/config', '".git"'],
    ['sub/.GIT/hooks/pre-commit', '".git"'],
    ['a//b', 'empty segment'],
    ['dir/', 'empty segment'],
    ['a\\b', '"\\"'],
    ['nul\0byte', 'control character'],
  ])('file path %j is refused (%s)', (path, why) => expect(repoFilePathProblem(path)).toContain(why));
});
