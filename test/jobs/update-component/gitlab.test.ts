import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMarker } from '../../../src/kit/marker.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';

/**
 * update-component, GitLab → GitLab, through the real @gitbeaker/rest client against the simulator,
 * on the two latest GitLab majors, with the simulator's realism on: pipelines appear after the push,
 * MR lists answer the last mergeability check.
 */

const HOUR = 3_600_000;
/** The simulator's default delay between a push and its pipeline (packages/forge-sandbox/src/simulator.ts). */
const PIPELINE_DELAY = 30_000;
const BRANCH = 'release-bot/update-gitaly';

function writes(sim: Simulator, since: number) {
  return sim.requests({ since, forge: 'gitlab' }).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
}

function openMrs(sim: Simulator) {
  const target = sim.project('gitlab', 'org/gitlab');
  return sim.world.mergeRequests.filter((m) => m.projectId === target.id && m.state === 'opened');
}

async function versionOnMain(sim: Simulator): Promise<string> {
  return (await sim
    .project('gitlab', 'org/gitlab')
    .repo.readFile('main', 'GITALY_SERVER_VERSION'))!.toString();
}

describe.each([17, 18])('update-component on GitLab %i', (gitlabVersion) => {
  let h: JobHarness;
  let c1: string;
  let c2: string;

  beforeAll(async () => {
    h = await jobHarness({
      simulator: { gitlabVersion },
      seed: async (sim) => {
        sim.createUser('alice');
        sim.createUser('approver');
        const gitaly = await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitaly',
          defaultBranch: 'master',
          members: ['release-bot:20', 'alice'],
        });
        c1 = (await gitaly.repo.branchSha('master'))!;
        await sim.ci.createPipeline({
          project: gitaly,
          ref: 'master',
          sha: c1,
          userId: 1,
          outcome: { result: 'success' },
        });
        await sim.advance(HOUR);
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitlab',
          defaultBranch: 'main',
          members: ['release-bot:30', 'alice', 'approver:30'],
          files: { GITALY_SERVER_VERSION: `${c1}\n`, 'README.md': '# gitlab\n' },
        });
        await sim.advance(HOUR);
      },
      jobsConfig: () => ({
        'update-component': {
          slackChannel: 'releases',
          components: [
            {
              name: 'gitaly',
              source: { forge: 'gitlab', project: 'org/gitaly', requiredJobs: ['test'] },
              target: { forge: 'gitlab', project: 'org/gitlab', versionFile: 'GITALY_SERVER_VERSION' },
              mergeRequest: { labels: ['group::gitaly'], assignees: ['alice'] },
              mention: '@gitaly-team',
            },
          ],
        },
      }),
    });
  });
  afterAll(() => h.close());

  it('is a no-op with zero writes when the version is up to date', async () => {
    const since = h.sim.mark();
    const { run } = await h.run('update-component');
    expect(run.status).toBe('noop');
    expect(run.summary).toContain('up to date');
    expect(writes(h.sim, since)).toEqual([]);
    // the default branch is remembered, so the no-op costs at most 3 requests per component
    const again = h.sim.mark();
    await h.run('update-component');
    expect(h.sim.requests({ since: again }).length).toBeLessThanOrEqual(3 + 1 /* requiredJobs check */);
  });

  it('opens one MR for the newest green commit, skipping red and running ones; auto-merge once its pipeline exists', async () => {
    c2 = await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      branch: 'master',
      files: { 'a.go': '2' },
      message: 'Add a',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      branch: 'master',
      files: { 'b.go': '3' },
      message: 'Break b [ci:fail=test]',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      branch: 'master',
      files: { 'c.go': '4' },
      message: 'Slow c [ci:stuck]',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    // the MR pipeline on the target stays running so the MR is still open afterwards
    h.sim.setCi('gitlab', 'org/gitlab', { branch: BRANCH }, { result: 'stuck' });

    const { run, result } = await h.run('update-component');
    expect(run.status).toBe('ok');
    const mrs = openMrs(h.sim);
    expect(mrs).toHaveLength(1);
    const mr = mrs[0]!;
    // the MR's pipeline is not created yet: auto-merge is not asked for an untested head
    expect(mr.autoMerge).toBeNull();
    expect(result?.actions.find((a) => a.kind === 'auto-merge')?.description).toContain('no pipeline');
    await h.sim.advance(PIPELINE_DELAY);
    const head = await h.sim.project('gitlab', 'org/gitlab').repo.branchSha(BRANCH);
    const since = h.sim.mark();
    expect((await h.run('update-component')).run.status).toBe('ok');
    expect(writes(h.sim, since).map((r) => r.route)).toEqual([
      'PUT /api/v4/projects/:id/merge_requests/:iid/merge',
    ]);
    expect(openMrs(h.sim)).toHaveLength(1);
    expect(await h.sim.project('gitlab', 'org/gitlab').repo.branchSha(BRANCH)).toBe(head);
    expect(mr.sourceBranch).toBe(BRANCH);
    expect(mr.title).toBe('Update gitaly version');
    expect(mr.labels).toEqual(['group::gitaly']);
    expect(readMarker(mr.description, 'update-component')).toMatchObject({
      component: 'gitaly',
      sha: c2,
      from: c1,
    });
    expect(mr.description).toContain('Add a');
    expect(mr.autoMerge?.sha).toBe(await h.sim.project('gitlab', 'org/gitlab').repo.branchSha(BRANCH));
    const onBranch = await h.sim
      .project('gitlab', 'org/gitlab')
      .repo.readFile(BRANCH, 'GITALY_SERVER_VERSION');
    expect(onBranch?.toString()).toBe(`${c2}\n`);
    expect(result?.links.some((l) => l.url.includes('/merge_requests/'))).toBe(true);
  });

  it('leaves an MR that is already at the latest green alone', async () => {
    const since = h.sim.mark();
    const { run } = await h.run('update-component');
    expect(run.status).toBe('noop');
    expect(writes(h.sim, since)).toEqual([]);
  });

  it('ignores a docs-only pipeline that lacks the required jobs', async () => {
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      branch: 'master',
      files: { 'README.md': 'docs' },
      message: 'Docs [ci:jobs=docs-lint]',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    const { run } = await h.run('update-component');
    expect(run.status).toBe('noop');
    expect(openMrs(h.sim)).toHaveLength(1);
  });

  it('updates the open MR in place when a newer commit turns green', async () => {
    const before = openMrs(h.sim)[0]!;
    const c5 = await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      branch: 'master',
      files: { 'd.go': '5' },
      message: 'Fix c',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    const { run } = await h.run('update-component');
    expect(run.status).toBe('ok');
    const mrs = openMrs(h.sim);
    expect(mrs).toHaveLength(1);
    expect(mrs[0]!.iid).toBe(before.iid);
    expect(readMarker(mrs[0]!.description, 'update-component')).toMatchObject({ sha: c5, from: c1 });
    const project = h.sim.project('gitlab', 'org/gitlab');
    expect((await project.repo.readFile(BRANCH, 'GITALY_SERVER_VERSION'))?.toString()).toBe(`${c5}\n`);
    // the bot's branch is the target head plus exactly one commit
    const branchHead = (await project.repo.branchSha(BRANCH))!;
    const commit = await project.repo.getCommit(branchHead);
    expect(commit?.parents).toEqual([await project.repo.branchSha('main')]);
    expect(mrs[0]!.autoMerge).toBeNull();
    await h.sim.advance(PIPELINE_DELAY);
    await h.run('update-component');
    expect(mrs[0]!.autoMerge?.sha).toBe(branchHead);
  });

  it('refreshes a conflicted MR onto the new target head (the list shows conflicts only after a check)', async () => {
    const project = h.sim.project('gitlab', 'org/gitlab');
    const mr = openMrs(h.sim)[0]!;
    const marker = readMarker<{ sha: string }>(mr.description, 'update-component')!;
    // someone moves the version on main by hand: the bot's one-line change now conflicts
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitlab',
      branch: 'main',
      files: { GITALY_SERVER_VERSION: `${c2}\n` },
      message: 'Pin gitaly by hand',
      username: 'alice',
    });
    const before = await project.repo.branchSha(BRANCH);
    // run 1: the list says `unchecked`; the bot's single read starts GitLab's check (`checking`)
    const since = h.sim.mark();
    const first = await h.run('update-component');
    expect(first.run.status).not.toBe('failed');
    expect(h.sim.requests({ forge: 'gitlab', since }).map((r) => r.route)).toContain(
      'GET /api/v4/projects/:id/merge_requests/:iid',
    );
    expect(await project.repo.branchSha(BRANCH)).toBe(before);
    // run 2: the list now says `cannot_be_merged`: the branch is reset onto main with one commit
    const second = await h.run('update-component');
    expect(second.run.status).toBe('ok');
    expect(openMrs(h.sim)).toHaveLength(1);
    expect(openMrs(h.sim)[0]!.iid).toBe(mr.iid);
    const head = (await project.repo.branchSha(BRANCH))!;
    expect((await project.repo.getCommit(head))?.parents).toEqual([await project.repo.branchSha('main')]);
    expect((await project.repo.readFile(BRANCH, 'GITALY_SERVER_VERSION'))?.toString()).toBe(
      `${marker.sha}\n`,
    );
    expect(readMarker(openMrs(h.sim)[0]!.description, 'update-component')).toMatchObject({
      sha: marker.sha,
      from: c2,
    });
    // run 3, once the new pipeline exists: auto-merge is armed for the new head
    await h.sim.advance(PIPELINE_DELAY);
    await h.run('update-component');
    expect(openMrs(h.sim)[0]!.autoMerge?.sha).toBe(head);
  });

  it('merges itself when the MR pipeline passes; the target then holds the new sha', async () => {
    h.sim.setCi('gitlab', 'org/gitlab', { branch: BRANCH }, { result: 'success' });
    const mr = openMrs(h.sim)[0]!;
    const marker = readMarker<{ sha: string }>(mr.description, 'update-component')!;
    // the stuck pipeline never finishes; a new push (the bot's next update) would make a new one.
    // Here we retry the pipeline by pushing nothing: run a fresh pipeline on the same head.
    const project = h.sim.project('gitlab', 'org/gitlab');
    const head = (await project.repo.branchSha(BRANCH))!;
    await h.sim.ci.createPipeline({
      project,
      ref: BRANCH,
      sha: head,
      userId: 1,
      outcome: { result: 'success' },
    });
    await h.sim.advance(HOUR);
    expect(h.sim.world.mergeRequests.find((m) => m.id === mr.id)?.state).toBe('merged');
    expect(await versionOnMain(h.sim)).toBe(`${marker.sha}\n`);
    const clone = mkdtempSync(join(tmpdir(), 'clone-'));
    execFileSync('git', ['clone', '-q', project.repo.dir, clone]);
    expect(readFileSync(join(clone, 'GITALY_SERVER_VERSION'), 'utf8')).toBe(`${marker.sha}\n`);
    rmSync(clone, { recursive: true, force: true });
    // and the next run is a no-op
    expect((await h.run('update-component')).run.status).toBe('noop');
  });

  it('never downgrades', async () => {
    const since = h.sim.mark();
    const { run } = await h.run('update-component', { args: { component: 'gitaly', sha: c1.slice(0, 12) } });
    expect(run.status).toBe('noop');
    expect(run.summary).toContain('never downgrading');
    expect(writes(h.sim, since)).toEqual([]);
  });

  it('refuses a bad --sha or an unknown component with a usage error and no write', async () => {
    const since = h.sim.mark();
    await expect(
      h.run('update-component', { args: { component: 'gitaly', sha: 'deadbeef00' } }),
    ).rejects.toThrow(/no such commit in org\/gitaly/);
    await expect(h.run('update-component', { args: { component: 'gitlay' } })).rejects.toThrow(
      /did you mean "gitaly"/,
    );
    await expect(
      h.run('update-component', { args: { component: 'gitaly', sha: 'not-a-sha' } }),
    ).rejects.toThrow(/not a commit sha/);
    expect(writes(h.sim, since)).toEqual([]);
  });

  it('prints the full plan in dry-run and writes nothing', async () => {
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      branch: 'master',
      files: { 'e.go': '6' },
      message: 'Add e',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    const since = h.sim.mark();
    const { run, result } = await h.run('update-component', { dryRun: true });
    expect(run.dryRun).toBe(true);
    expect(writes(h.sim, since)).toEqual([]);
    const kinds = result!.actions.map((a) => a.kind);
    expect(kinds).toEqual(['commit-version', 'open-mr', 'auto-merge']);
    expect(result!.actions.every((a) => !a.done)).toBe(true);
    expect(result!.actions[0]!.description).toContain('GITALY_SERVER_VERSION');
  });

  it('warns once on Slack about an MR open longer than staleAfter', async () => {
    h.sim.setCi('gitlab', 'org/gitlab', { branch: BRANCH }, { result: 'stuck' });
    await h.run('update-component');
    expect(openMrs(h.sim)).toHaveLength(1);
    h.slack.clear();
    await h.sim.advance(25 * HOUR);
    await h.run('update-component');
    await h.run('update-component');
    await h.sim.advance(2 * HOUR);
    await h.run('update-component');
    const { result } = await h.run('update-component');
    expect((result?.details as { pending: { kind: string; url: string }[] }).pending).toEqual([
      expect.objectContaining({ kind: 'stale-mr', url: expect.stringContaining('/merge_requests/') }),
    ]);
    const warnings = h.slack.messages.filter((m) => (m.payload.text ?? '').includes('has been open for'));
    expect(warnings).toHaveLength(1);
    expect(validateBlockKit(warnings[0]!.payload)).toEqual([]);
    expect(JSON.stringify(warnings[0]!.payload)).toContain('@gitaly-team');
  });
});
