import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

const MINUTE = 60_000;

describe('GitHub view: Actions workflow runs and jobs', () => {
  let f: GithubFixture;
  beforeAll(async () => {
    f = await githubFixture();
  });
  afterAll(() => f.sim.close());

  it('lists runs newest first with filters, and gets one with its status/conclusion', async () => {
    const good = await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      files: { a: '1' },
      message: 'Good',
    });
    const bad = await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      branch: 'topic',
      files: { b: '1' },
      message: 'Bad [ci:fail]',
    });
    // Workflow runs start from the push webhook: none exists right after the push.
    expect((await f.bot.actions.listWorkflowRunsForRepo({ ...repo, head_sha: good })).data.total_count).toBe(
      0,
    );
    await f.sim.advance(30_000);
    const queued = await f.bot.actions.listWorkflowRunsForRepo({ ...repo, head_sha: good });
    expect(queued.data.total_count).toBe(1);
    expect(queued.data.workflow_runs[0]).toMatchObject({
      head_sha: good,
      head_branch: 'main',
      status: 'queued',
      conclusion: null,
      event: 'push',
      run_attempt: 1,
    });
    await f.sim.advance(30 * MINUTE);
    const runs = await f.bot.actions.listWorkflowRunsForRepo(repo);
    expect(runs.data.workflow_runs.map((r) => `${r.head_branch}:${r.conclusion}`)).toEqual([
      'topic:failure',
      'main:success',
    ]);
    const failed = await f.bot.actions.listWorkflowRunsForRepo({ ...repo, status: 'failure' });
    expect(failed.data.workflow_runs.map((r) => r.head_sha)).toEqual([bad]);
    const byBranch = await f.bot.actions.listWorkflowRunsForRepo({
      ...repo,
      branch: 'main',
      status: 'completed',
    });
    expect(byBranch.data.workflow_runs.map((r) => r.head_sha)).toEqual([good]);
    const run = await f.bot.actions.getWorkflowRun({ ...repo, run_id: runs.data.workflow_runs[0]!.id });
    expect(run.data).toMatchObject({ status: 'completed', conclusion: 'failure', head_sha: bad, name: 'CI' });
    expect(run.data.html_url).toContain(`/actions/runs/${run.data.id}`);
    expect((await failure(f.bot.actions.getWorkflowRun({ ...repo, run_id: 1 }))).status).toBe(404);
    const created = await f.bot.actions.listWorkflowRunsForRepo({
      ...repo,
      created: `>=${new Date(f.sim.clock.nowMs() - 60 * MINUTE).toISOString()}`,
    });
    expect(created.data.total_count).toBe(2);
  });

  it('re-runs failed jobs: a new attempt, jobs filter=latest vs all', async () => {
    const sha = await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      branch: 'flaky',
      files: { c: '1' },
      message: 'Flaky [ci:flaky=test]',
    });
    await f.sim.advance(30 * MINUTE);
    const [run] = (await f.bot.actions.listWorkflowRunsForRepo({ ...repo, head_sha: sha })).data
      .workflow_runs;
    expect(run!.conclusion).toBe('failure');
    const jobs = await f.bot.actions.listJobsForWorkflowRun({ ...repo, run_id: run!.id });
    expect(jobs.data.jobs.map((j) => `${j.name}:${j.conclusion}`)).toEqual(['build:success', 'test:failure']);
    expect(jobs.data.jobs[1]).toMatchObject({
      run_id: run!.id,
      head_sha: sha,
      status: 'completed',
      run_attempt: 1,
    });
    const rerun = await f.bot.actions.reRunWorkflowFailedJobs({ ...repo, run_id: run!.id });
    expect(rerun.status).toBe(201);
    const running = await f.bot.actions.getWorkflowRun({ ...repo, run_id: run!.id });
    expect(running.data).toMatchObject({ status: 'queued', conclusion: null, run_attempt: 2 });
    await f.sim.advance(30 * MINUTE);
    expect((await f.bot.actions.getWorkflowRun({ ...repo, run_id: run!.id })).data.conclusion).toBe(
      'success',
    );
    const latest = await f.bot.actions.listJobsForWorkflowRun({ ...repo, run_id: run!.id });
    expect(latest.data.jobs.map((j) => `${j.name}:${j.conclusion}:${j.run_attempt}`)).toEqual([
      'build:success:1',
      'test:success:2',
    ]);
    const all = await f.bot.actions.listJobsForWorkflowRun({ ...repo, run_id: run!.id, filter: 'all' });
    expect(all.data.total_count).toBe(3);
    const again = await failure(f.bot.actions.reRunWorkflowFailedJobs({ ...repo, run_id: run!.id }));
    expect(again.status).toBe(403);
  });

  it('re-runs one job, gets a job, cancels a run', async () => {
    const sha = await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      branch: 'one',
      files: { d: '1' },
      message: 'Fail [ci:fail=build]',
    });
    await f.sim.advance(30 * MINUTE);
    const [run] = (await f.bot.actions.listWorkflowRunsForRepo({ ...repo, head_sha: sha })).data
      .workflow_runs;
    const build = (await f.bot.actions.listJobsForWorkflowRun({ ...repo, run_id: run!.id })).data.jobs.find(
      (j) => j.name === 'build',
    )!;
    const job = await f.bot.actions.getJobForWorkflowRun({ ...repo, job_id: build.id });
    expect(job.data).toMatchObject({ name: 'build', conclusion: 'failure', run_id: run!.id });
    const res = await f.bot.actions.reRunJobForWorkflowRun({ ...repo, job_id: build.id });
    expect(res.status).toBe(201);
    const after = await f.bot.actions.listJobsForWorkflowRun({ ...repo, run_id: run!.id });
    expect(after.data.jobs.find((j) => j.name === 'build')).toMatchObject({
      status: 'queued',
      run_attempt: 2,
    });

    const stuck = await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      branch: 'stuck',
      files: { e: '1' },
      message: 'Stuck [ci:stuck]',
    });
    await f.sim.advance(5 * MINUTE);
    const [stuckRun] = (await f.bot.actions.listWorkflowRunsForRepo({ ...repo, head_sha: stuck })).data
      .workflow_runs;
    expect(stuckRun!.status).toBe('in_progress');
    expect((await f.bot.actions.cancelWorkflowRun({ ...repo, run_id: stuckRun!.id })).status).toBe(202);
    expect((await f.bot.actions.getWorkflowRun({ ...repo, run_id: stuckRun!.id })).data.conclusion).toBe(
      'cancelled',
    );
  });

  it('shows manual jobs as waiting on an environment approval, and approving runs them', async () => {
    await f.sim.createProject({
      forge: 'github',
      path: 'acme/deployer',
      members: ['bot'],
      ciJobs: [
        { name: 'build', stage: 'build', durationMs: MINUTE },
        { name: 'deploy:production', stage: 'deploy', when: 'manual', durationMs: MINUTE },
      ],
    });
    const r = { owner: 'acme', repo: 'deployer' };
    const sha = await f.sim.push({
      forge: 'github',
      project: 'acme/deployer',
      files: { f: '1' },
      message: 'Ship',
    });
    await f.sim.advance(10 * MINUTE);
    const [run] = (await f.bot.actions.listWorkflowRunsForRepo({ ...r, head_sha: sha })).data.workflow_runs;
    expect(run!.status).toBe('waiting');
    const jobs = await f.bot.actions.listJobsForWorkflowRun({ ...r, run_id: run!.id });
    expect(jobs.data.jobs.find((j) => j.name === 'deploy:production')?.status).toBe('waiting');
    const pending = await f.bot.actions.getPendingDeploymentsForRun({ ...r, run_id: run!.id });
    expect(pending.data.map((p) => p.environment.name)).toEqual(['production']);
    await f.bot.actions.reviewPendingDeploymentsForRun({
      ...r,
      run_id: run!.id,
      environment_ids: [pending.data[0]!.environment.id!],
      state: 'approved',
      comment: 'ship it',
    });
    await f.sim.advance(10 * MINUTE);
    expect((await f.bot.actions.getWorkflowRun({ ...r, run_id: run!.id })).data.conclusion).toBe('success');
  });
});
