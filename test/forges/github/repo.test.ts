import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForgeError, NotFastForwardError } from '../../../src/errors.js';
import { adapterFixture, PROJECT, type AdapterFixture } from './helpers.js';

describe('GitHub adapter: repo', () => {
  let f: AdapterFixture;
  let initial: string;
  beforeAll(async () => {
    f = await adapterFixture({ ciEnabled: false, protectedBranches: ['stable'], branches: ['stable'] });
    initial = (await f.sim.project('github', PROJECT).repo.branchSha('main'))!;
  });
  afterAll(() => f.sim.close());

  it('reads the project, branches (null when missing) and the current user', async () => {
    expect(await f.forge.currentUser()).toMatchObject({ username: 'release-bot' });
    expect(await f.forge.repo.getProject(PROJECT)).toMatchObject({
      path: PROJECT,
      defaultBranch: 'main',
      webUrl: `${f.sim.github.url}/${PROJECT}`,
      allowAutoMerge: true,
    });
    expect(await f.forge.repo.getBranch(PROJECT, 'stable')).toMatchObject({
      name: 'stable',
      sha: initial,
      protected: true,
    });
    expect(await f.forge.repo.getBranch(PROJECT, 'nope')).toBeNull();
    await expect(f.forge.repo.getProject('acme/missing')).rejects.toMatchObject({
      status: 404,
      forge: 'github',
    });
  });

  it('knows its user from GraphQL viewer where /user is refused (a GitHub App installation token)', async () => {
    f.sim.addFault({ forge: 'github', route: 'GET /user', errorRate: 1, statuses: [403] });
    try {
      expect(await f.forge.currentUser()).toMatchObject({ username: 'release-bot' });
    } finally {
      f.sim.clearFaults();
    }
  });

  it('commits files: new branch from startFrom, then on top, then a forced reset', async () => {
    const first = await f.forge.repo.commitFiles(PROJECT, {
      branch: 'release-bot/update-gitaly',
      startFrom: 'main',
      message: 'Update gitaly to 1.1.0\n\nBody',
      actions: [
        { action: 'update', path: 'VERSION', content: '1.1.0\n' },
        { action: 'create', path: 'docs/CHANGES.md', content: 'new\n' },
      ],
    });
    expect(first).toMatchObject({
      title: 'Update gitaly to 1.1.0',
      parentShas: [initial],
      authorName: expect.any(String),
    });
    expect(first.webUrl).toBe(`${f.sim.github.url}/${PROJECT}/commit/${first.sha}`);
    const second = await f.forge.repo.commitFiles(PROJECT, {
      branch: 'release-bot/update-gitaly',
      message: 'Drop changes file',
      actions: [{ action: 'delete', path: 'docs/CHANGES.md' }],
    });
    expect(second.parentShas).toEqual([first.sha]);
    expect(await f.forge.repo.getFile(PROJECT, 'docs/CHANGES.md', 'release-bot/update-gitaly')).toBeNull();
    const reset = await f.forge.repo.commitFiles(PROJECT, {
      branch: 'release-bot/update-gitaly',
      startFrom: 'main',
      force: true,
      message: 'Update gitaly to 1.2.0',
      actions: [{ action: 'update', path: 'VERSION', content: '1.2.0\n' }],
    });
    expect(reset.parentShas).toEqual([initial]);
    const file = await f.forge.repo.getFile(PROJECT, 'VERSION', 'release-bot/update-gitaly');
    expect(file).toMatchObject({
      path: 'VERSION',
      content: '1.2.0\n',
      blobSha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(f.sim.requests({ method: 'PATCH' }).at(-1)?.detail).toMatchObject({ force: true });

    const clone = mkdtempSync(join(tmpdir(), 'gh-adapter-'));
    try {
      execFileSync('git', [
        'clone',
        '-q',
        '-b',
        'release-bot/update-gitaly',
        f.sim.project('github', PROJECT).repo.dir,
        clone,
      ]);
      expect(readFileSync(join(clone, 'VERSION'), 'utf8')).toBe('1.2.0\n');
      expect(existsSync(join(clone, 'docs/CHANGES.md'))).toBe(false);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
    await expect(
      f.forge.repo.commitFiles(PROJECT, {
        branch: 'orphan',
        message: 'x',
        actions: [{ action: 'create', path: 'x', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(ForgeError);
  });

  it('creates, moves (fast-forward only unless forced) and deletes branches', async () => {
    const created = await f.forge.repo.createBranch(PROJECT, 'topic', 'main');
    expect(created).toMatchObject({ name: 'topic', sha: initial, protected: false });
    const ahead = await f.sim.push({
      forge: 'github',
      project: PROJECT,
      branch: 'topic',
      files: { t: '1' },
      message: 't',
    });
    expect((await f.forge.repo.updateBranch(PROJECT, 'stable', ahead)).sha).toBe(ahead);
    const side = (
      await f.forge.repo.commitFiles(PROJECT, {
        branch: 'side',
        startFrom: initial,
        message: 's',
        actions: [{ action: 'create', path: 's', content: 's' }],
      })
    ).sha;
    const refused = f.forge.repo.updateBranch(PROJECT, 'topic', side);
    await expect(refused).rejects.toBeInstanceOf(NotFastForwardError);
    await expect(refused).rejects.toMatchObject({
      status: 422,
      route: 'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
    });
    expect((await f.forge.repo.updateBranch(PROJECT, 'topic', side, { force: true })).sha).toBe(side);
    await f.forge.repo.deleteBranch(PROJECT, 'topic');
    expect(await f.forge.repo.getBranch(PROJECT, 'topic')).toBeNull();
    await f.forge.repo.deleteBranch(PROJECT, 'topic');
  });

  it('lists commits up to a limit, gets one (null when missing) and compares', async () => {
    for (let i = 0; i < 5; i++)
      await f.sim.push({ forge: 'github', project: PROJECT, files: { [`n${i}`]: `${i}` }, message: `N${i}` });
    const commits = await f.forge.repo.listCommits(PROJECT, 'main', { limit: 3 });
    expect(commits.map((c) => c.title)).toEqual(['N4', 'N3', 'N2']);
    expect(await f.forge.repo.getCommit(PROJECT, commits[0]!.sha)).toMatchObject({
      sha: commits[0]!.sha,
      message: 'N4',
    });
    expect(await f.forge.repo.getCommit(PROJECT, 'no-such-ref')).toBeNull();
    expect(await f.forge.repo.getCommit(PROJECT, 'f'.repeat(40))).toBeNull();
    const cmp = await f.forge.repo.compare(PROJECT, 'stable', 'main');
    expect(cmp.fastForward).toBe(false);
    const forward = await f.forge.repo.compare(PROJECT, initial, 'main');
    expect(forward).toMatchObject({ fastForward: true, behindBy: 0, compareTimeout: false });
    expect(forward.commits.at(-1)?.title).toBe('N4');
    expect(forward.files.find((x) => x.path === 'n0')).toMatchObject({ newFile: true, deletedFile: false });
  });
});
