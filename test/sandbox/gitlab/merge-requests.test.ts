import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ISO, push, setup, SHA, type Fixture } from './helpers.js';

const TEN_MINUTES = 10 * 60_000;

describe('GitLab merge requests', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await setup();
    await fx.api.ProtectedBranches.unprotect('org/app', 'main');
  });
  afterAll(() => fx.close());

  async function branchWithChange(branch: string, version: string): Promise<string> {
    return push(fx, branch, { VERSION: `${version}\n` }, `bump to ${version}`);
  }

  it('creates (201) with GitLab fields; 409 for a second open MR from the same source branch', async () => {
    const head = await branchWithChange('bump-1', '1.1.0');
    const res = await fx.raw('/api/v4/projects/org%2Fapp/merge_requests', {
      method: 'POST',
      body: JSON.stringify({
        source_branch: 'bump-1',
        target_branch: 'main',
        title: 'Bump to 1.1.0',
        description: '<!-- release-bot -->',
        labels: 'release-bot,deps',
        remove_source_branch: true,
      }),
    });
    expect(res.status).toBe(201);
    const mr = (await res.json()) as Record<string, unknown>;
    expect(mr).toMatchObject({
      iid: 1,
      title: 'Bump to 1.1.0',
      description: '<!-- release-bot -->',
      state: 'opened',
      source_branch: 'bump-1',
      target_branch: 'main',
      sha: head,
      labels: ['release-bot', 'deps'],
      draft: false,
      merge_when_pipeline_succeeds: false,
      // the answer starts an asynchronous mergeability check (Entities::MergeRequest)
      merge_status: 'checking',
      has_conflicts: false,
      force_remove_source_branch: true,
      web_url: `${fx.sim.gitlab.url}/org/app/-/merge_requests/1`,
      references: { short: '!1', relative: '!1', full: 'org/app!1' },
      milestone: null,
      assignees: [],
      reviewers: [],
    });
    expect(mr.id).not.toBe(mr.iid);
    expect(mr.created_at).toMatch(ISO);
    expect((mr.author as { username: string }).username).toBe('bot');
    // the push's pipeline is still being created: no head pipeline yet
    expect(mr.head_pipeline).toBeNull();
    expect(mr.detailed_merge_status).toBe('checking');
    expect(mr.diff_refs).toMatchObject({ head_sha: head });
    await fx.sim.ci.createScheduled();
    const checked = await fx.api.MergeRequests.show('org/app', 1);
    expect(checked).toMatchObject({
      merge_status: 'can_be_merged',
      detailed_merge_status: 'ci_still_running',
    });
    expect(checked.head_pipeline).toMatchObject({ sha: head, ref: 'bump-1', status: 'created' });

    const dup = await fx.raw('/api/v4/projects/org%2Fapp/merge_requests', {
      method: 'POST',
      body: JSON.stringify({ source_branch: 'bump-1', target_branch: 'main', title: 'again' }),
    });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toEqual({
      message: ['Another open merge request already exists for this source branch: !1'],
    });
    const missing = await fx.raw('/api/v4/projects/org%2Fapp/merge_requests', {
      method: 'POST',
      body: JSON.stringify({ source_branch: 'nope', target_branch: 'main', title: 't' }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ message: { source_branch: ['does not exist'] } });
    const noTitle = await fx.raw('/api/v4/projects/org%2Fapp/merge_requests', {
      method: 'POST',
      body: JSON.stringify({ source_branch: 'bump-1', target_branch: 'main' }),
    });
    expect(await noTitle.json()).toEqual({ error: 'title is missing' });
  });

  it('lists by source_branch, target_branch, state and labels', async () => {
    await branchWithChange('bump-2', '1.2.0');
    await fx.api.MergeRequests.create('org/app', 'bump-2', 'main', 'Draft: two', { labels: 'deps' });
    const bySource = await fx.api.MergeRequests.all({
      projectId: 'org/app',
      sourceBranch: 'bump-1',
      state: 'opened',
    });
    expect(bySource.map((m) => m.iid)).toEqual([1]);
    const byLabels = await fx.api.MergeRequests.all({ projectId: 'org/app', labels: 'deps' });
    expect(byLabels.map((m) => m.iid)).toEqual([2, 1]);
    const both = await fx.api.MergeRequests.all({ projectId: 'org/app', labels: 'deps,release-bot' });
    expect(both.map((m) => m.iid)).toEqual([1]);
    expect(await fx.api.MergeRequests.all({ projectId: 'org/app', state: 'merged' })).toEqual([]);
    const two = await fx.api.MergeRequests.show('org/app', 2);
    expect(two).toMatchObject({ draft: true, work_in_progress: true, detailed_merge_status: 'draft_status' });
    await expectError(fx.api.MergeRequests.show('org/app', 99), 404, '404 Not found');
  });

  it('updates title, description, labels (add/remove), assignees, milestone; close and reopen', async () => {
    const dev = await fx.api.Users.all({ username: 'dev' });
    const milestone = await fx.api.ProjectMilestones.create('org/app', '17.6');
    const mr = await fx.api.MergeRequests.edit('org/app', 1, {
      title: 'Bump to 1.1.0 (updated)',
      addLabels: 'extra',
      removeLabels: 'deps',
      assigneeIds: [dev[0]!.id],
      reviewerIds: [dev[0]!.id],
      milestoneId: milestone.id,
    });
    expect(mr).toMatchObject({ title: 'Bump to 1.1.0 (updated)', labels: ['release-bot', 'extra'] });
    expect((mr.assignees as { username: string }[]).map((a) => a.username)).toEqual(['dev']);
    expect((mr.reviewers as { username: string }[]).map((a) => a.username)).toEqual(['dev']);
    expect((mr.milestone as { title: string }).title).toBe('17.6');
    const closed = await fx.api.MergeRequests.edit('org/app', 2, { stateEvent: 'close' });
    expect(closed.state).toBe('closed');
    expect(closed.closed_at).toMatch(ISO);
    const reopened = await fx.api.MergeRequests.edit('org/app', 2, { stateEvent: 'reopen' });
    expect(reopened.state).toBe('opened');
    const notes = await fx.api.MergeRequestNotes.all('org/app', 2);
    expect(notes.filter((n) => n.system).map((n) => n.body)).toEqual(['reopened', 'closed']);
    const res = await fx.raw('/api/v4/projects/org%2Fapp/merge_requests/1', { method: 'PUT', body: '{}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /at least one parameter must be provided$/,
    );
  });

  it('merge refuses a running pipeline (405, checked before the sha) and a stale sha (409); merges when green', async () => {
    const head = (await fx.api.MergeRequests.show('org/app', 1)).sha as string;
    await expectError(fx.api.MergeRequests.merge('org/app', 1, { sha: head }), 405, '405 Method Not Allowed');
    // lib/api/merge_requests.rb: not_allowed! comes before check_sha_param!
    await expectError(
      fx.api.MergeRequests.merge('org/app', 1, { sha: 'f'.repeat(40) }),
      405,
      '405 Method Not Allowed',
    );
    await fx.sim.advance(TEN_MINUTES);
    await expectError(
      fx.api.MergeRequests.merge('org/app', 1, { sha: 'f'.repeat(40) }),
      409,
      `SHA does not match HEAD of source branch: ${head}`,
    );
    const mr = await fx.api.MergeRequests.show('org/app', 1);
    expect(mr.head_pipeline).toMatchObject({ status: 'success' });
    expect(mr.detailed_merge_status).toBe('mergeable');
    const merged = await fx.api.MergeRequests.merge('org/app', 1, {
      sha: head,
      shouldRemoveSourceBranch: true,
    });
    expect(merged).toMatchObject({ state: 'merged', sha: head });
    expect(merged.merge_commit_sha).toMatch(SHA);
    expect((merged.merged_by as { username: string }).username).toBe('bot');
    expect(merged.merged_at).toMatch(ISO);

    // The target branch really changed: through the API and through a git clone of the bare repo.
    expect(await fx.api.RepositoryFiles.showRaw('org/app', 'VERSION', 'main')).toBe('1.1.0\n');
    const clone = mkdtempSync(join(tmpdir(), 'gl-clone-'));
    try {
      execFileSync('git', ['clone', '-q', fx.sim.project('gitlab', 'org/app').repo.dir, clone]);
      expect(readFileSync(join(clone, 'VERSION'), 'utf8')).toBe('1.1.0\n');
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
    await expectError(fx.api.Branches.show('org/app', 'bump-1'), 404);
    await expectError(fx.api.MergeRequests.merge('org/app', 1), 405);
    const commits = await fx.api.MergeRequests.allCommits('org/app', 1);
    expect(commits.map((c) => c.title)).toEqual(['bump to 1.1.0']);
  });

  it('auto-merge: armed while the pipeline runs, merges when it passes, deletes the source branch', async () => {
    const head = await branchWithChange('bump-3', '1.3.0');
    const mr = await fx.api.MergeRequests.create('org/app', 'bump-3', 'main', 'Bump to 1.3.0');
    await expectError(
      fx.api.MergeRequests.merge('org/app', mr.iid, { sha: 'a'.repeat(40), mergeWhenPipelineSucceeds: true }),
      409,
    );
    const armed = await fx.api.MergeRequests.merge('org/app', mr.iid, {
      sha: head,
      mergeWhenPipelineSucceeds: true,
      shouldRemoveSourceBranch: true,
    });
    expect(armed).toMatchObject({ state: 'opened', merge_when_pipeline_succeeds: true });
    expect((armed.merge_user as { username: string }).username).toBe('bot');
    await fx.sim.advance(60_000);
    expect((await fx.api.MergeRequests.show('org/app', mr.iid)).state).toBe('opened');
    await fx.sim.advance(TEN_MINUTES);
    const done = await fx.api.MergeRequests.show('org/app', mr.iid);
    expect(done.state).toBe('merged');
    expect(await fx.api.RepositoryFiles.showRaw('org/app', 'VERSION', 'main')).toBe('1.3.0\n');
    await expectError(fx.api.Branches.show('org/app', 'bump-3'), 404, '404 Branch Not Found');
  });

  it('auto-merge with the newer auto_merge param; a new push aborts it; cancel answers 405 when unset', async () => {
    const head = await branchWithChange('bump-4', '1.4.0');
    const mr = await fx.api.MergeRequests.create('org/app', 'bump-4', 'main', 'Bump to 1.4.0');
    const res = await fx.raw(`/api/v4/projects/org%2Fapp/merge_requests/${mr.iid}/merge`, {
      method: 'PUT',
      body: JSON.stringify({ sha: head, auto_merge: true }),
    });
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { merge_when_pipeline_succeeds: boolean }).merge_when_pipeline_succeeds,
    ).toBe(true);
    const newHead = await branchWithChange('bump-4', '1.4.1');
    const after = await fx.api.MergeRequests.show('org/app', mr.iid);
    expect(after).toMatchObject({ merge_when_pipeline_succeeds: false, sha: newHead });
    await fx.sim.advance(TEN_MINUTES);
    expect((await fx.api.MergeRequests.show('org/app', mr.iid)).state).toBe('opened');
    const notes = await fx.api.MergeRequestNotes.all('org/app', mr.iid, { sort: 'asc' });
    expect(notes.map((n) => n.body)).toContain(
      'aborted the automatic merge because the source branch was updated',
    );
    await expectError(fx.api.MergeRequests.cancelOnPipelineSuccess('org/app', mr.iid), 405);

    // Re-armed and canceled.
    await push(fx, 'bump-4', { 'x.txt': 'x\n' }, 'another');
    const head3 = (await fx.api.MergeRequests.show('org/app', mr.iid)).sha as string;
    await fx.api.MergeRequests.merge('org/app', mr.iid, { sha: head3, mergeWhenPipelineSucceeds: true });
    const canceled = await fx.api.MergeRequests.cancelOnPipelineSuccess('org/app', mr.iid);
    expect(canceled.merge_when_pipeline_succeeds).toBe(false);
    await fx.sim.advance(TEN_MINUTES);
    expect((await fx.api.MergeRequests.show('org/app', mr.iid)).state).toBe('opened');
  });

  it('conflicts: found by the asynchronous check, stale in lists until a single read; 405 on merge (17+)', async () => {
    await push(fx, 'conflict', { VERSION: '9.9.9\n' }, 'conflicting');
    const mr = await fx.api.MergeRequests.create('org/app', 'conflict', 'main', 'Conflicting');
    // the create answer starts the check; the check finds no conflict yet
    expect(mr).toMatchObject({ has_conflicts: false, merge_status: 'checking' });
    expect(await fx.api.MergeRequests.show('org/app', mr.iid)).toMatchObject({
      has_conflicts: false,
      merge_status: 'can_be_merged',
    });
    await push(fx, 'main', { VERSION: '8.8.8\n' }, 'main changes VERSION');
    // the target moved: lists answer the stored column (unchecked) and do not start a check
    const listed = async () =>
      (await fx.api.MergeRequests.all({ projectId: 'org/app', sourceBranch: 'conflict' }))[0]!;
    expect(await listed()).toMatchObject({
      has_conflicts: false,
      merge_status: 'unchecked',
      detailed_merge_status: 'unchecked',
    });
    expect(await listed()).toMatchObject({ merge_status: 'unchecked' });
    // a single read starts the check (answering `checking`); the next read has the result
    expect(await fx.api.MergeRequests.show('org/app', mr.iid)).toMatchObject({
      has_conflicts: false,
      merge_status: 'checking',
      detailed_merge_status: 'checking',
    });
    const checked = {
      has_conflicts: true,
      merge_status: 'cannot_be_merged',
      detailed_merge_status: 'conflict',
    };
    expect(await fx.api.MergeRequests.show('org/app', mr.iid)).toMatchObject(checked);
    expect(await listed()).toMatchObject(checked);
    await fx.sim.advance(TEN_MINUTES);
    // conflicts are a merge check from 17 on: `mergeable_state?` fails first (gitlab-org/gitlab#364102)
    await expectError(fx.api.MergeRequests.merge('org/app', mr.iid), 405, '405 Method Not Allowed');
    // `with_merge_status_recheck=true` starts the checks of the listed MRs and answers `checking`
    await push(fx, 'main', { VERSION: '7.7.7\n' }, 'main changes VERSION again');
    const recheck = await fx.raw(
      '/api/v4/projects/org%2Fapp/merge_requests?source_branch=conflict&with_merge_status_recheck=true',
    );
    expect(((await recheck.json()) as { merge_status: string }[])[0]!.merge_status).toBe('checking');
    expect(await listed()).toMatchObject(checked);
  });

  it('an MR whose target branch is gone is broken: merge answers 405', async () => {
    await push(fx, 'doomed-target', { 'd.txt': 'd\n' }, 'target');
    await push(fx, 'orphan', { 'o.txt': 'o\n' }, 'orphan');
    const mr = await fx.api.MergeRequests.create('org/app', 'orphan', 'doomed-target', 'Orphan');
    await fx.sim.advance(TEN_MINUTES);
    await fx.api.Branches.remove('org/app', 'doomed-target');
    await expectError(fx.api.MergeRequests.merge('org/app', mr.iid), 405, '405 Method Not Allowed');
  });

  it('approvals: author may not approve own MR (401); others approve with sha guard (201)', async () => {
    const head = await branchWithChange('bump-5', '1.5.0');
    const mr = await fx.api.MergeRequests.create('org/app', 'bump-5', 'main', 'Bump to 1.5.0');
    await expectError(fx.api.MergeRequestApprovals.approve('org/app', mr.iid, { sha: head }), 401);
    await expectError(fx.dev.MergeRequestApprovals.approve('org/app', mr.iid, { sha: 'b'.repeat(40) }), 409);
    const res = await fetch(
      `${fx.sim.gitlab.url}/api/v4/projects/org%2Fapp/merge_requests/${mr.iid}/approve`,
      {
        method: 'POST',
        headers: { 'private-token': fx.devToken, 'content-type': 'application/json' },
        body: JSON.stringify({ sha: head }),
      },
    );
    expect(res.status).toBe(201);
    const state = await fx.api.MergeRequestApprovals.showConfiguration('org/app', {
      mergerequestIId: mr.iid,
    });
    expect(state).toMatchObject({ approved: true, approvals_left: 0 });
    expect((state.approved_by as { user: { username: string } }[])[0]!.user.username).toBe('dev');
    // approving again: 304 Not Modified with an empty body on 18 (401 before, see versions.test.ts)
    const again = await fetch(
      `${fx.sim.gitlab.url}/api/v4/projects/org%2Fapp/merge_requests/${mr.iid}/approve`,
      { method: 'POST', headers: { 'private-token': fx.devToken } },
    );
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('MR pipelines, commits and diffs', async () => {
    await branchWithChange('bump-6', '1.6.0');
    const second = await push(fx, 'bump-6', { 'notes.txt': 'n\n' }, 'notes');
    const mr = await fx.api.MergeRequests.create('org/app', 'bump-6', 'main', 'Bump to 1.6.0');
    await fx.sim.ci.createScheduled();
    const pipelines = await fx.api.MergeRequests.allPipelines('org/app', mr.iid);
    expect(pipelines).toHaveLength(2);
    expect(pipelines[0]).toMatchObject({ sha: second, ref: 'bump-6', source: 'push' });
    expect(Object.keys(pipelines[0]!).sort()).toEqual(
      [
        'created_at',
        'id',
        'iid',
        'project_id',
        'ref',
        'sha',
        'source',
        'status',
        'updated_at',
        'web_url',
      ].sort(),
    );
    const commits = await fx.api.MergeRequests.allCommits('org/app', mr.iid);
    expect(commits.map((c) => c.title)).toEqual(['notes', 'bump to 1.6.0']);
    const diffs = await fx.api.MergeRequests.allDiffs('org/app', mr.iid);
    expect(diffs.map((d) => d.new_path).sort()).toEqual(['VERSION', 'notes.txt']);
    expect(diffs.find((d) => d.new_path === 'notes.txt')).toMatchObject({ new_file: true });
  });
});
