import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedAnswer } from '../../packages/forge-sandbox/src/core/answer-recorder.js';
import { setup, type AdapterFixture } from '../forges/gitlab/helpers.js';
import { checkGitlabAnswers, gitlabRecordings } from './support/check-gitlab.js';
import { formatViolation } from './support/check-answers.js';
import { contract } from './support/replay.js';

/**
 * The simulator's GitLab answers, produced through the real GitLab adapter, compared with the
 * recorded and documented GitLab answers in fixtures/gitlab: same JSON types, no invented fields,
 * and the pagination headers gitlab.com sends.
 */

const MINUTE = 60_000;

function readDir(dir: string): RecordedAnswer[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('gitlab-'))
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RecordedAnswer),
    );
}

describe('GitLab conformance: simulator answers have the shapes of recorded GitLab answers', () => {
  let fx: AdapterFixture;
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-conformance-'));

  beforeAll(async () => {
    const previous = process.env.RELEASE_BOT_SIM_CONFORMANCE;
    process.env.RELEASE_BOT_SIM_CONFORMANCE = dir; // read once, when the simulator's views start
    try {
      fx = await setup();
    } finally {
      if (previous === undefined) delete process.env.RELEASE_BOT_SIM_CONFORMANCE;
      else process.env.RELEASE_BOT_SIM_CONFORMANCE = previous;
    }
    await fx.sim.createProject({
      forge: 'gitlab',
      path: 'org/deployer',
      members: ['bot'],
      ciJobs: [
        { name: 'build', stage: 'build', durationMs: MINUTE },
        { name: 'deploy', stage: 'deploy', when: 'manual' },
      ],
    });
  });
  afterAll(async () => {
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a tour of the adapter: every answer compared with its recording has the recorded types and no invented field', async () => {
    const { forge } = fx;
    await forge.currentUser();
    const main = (await forge.repo.getBranch('org/app', 'main'))!;
    await forge.repo.getCommit('org/app', main.sha);
    await forge.repo.getFile('org/app', 'VERSION', 'main');
    await forge.repo.createBranch('org/app', 'release-bot/tour', 'main');
    const bump = await forge.repo.commitFiles('org/app', {
      branch: 'release-bot/tour',
      message: 'Bump to 1.1.0',
      actions: [{ action: 'update', path: 'VERSION', content: '1.1.0\n' }],
    });
    await forge.repo.compare('org/app', main.sha, bump.sha);
    const cr = await forge.changeRequests.create('org/app', {
      sourceBranch: 'release-bot/tour',
      targetBranch: 'main',
      title: 'Bump to 1.1.0',
      description: 'tour',
      labels: ['automation'],
    });
    await forge.changeRequests.get('org/app', cr.iid);
    await forge.changeRequests.list('org/app', { state: 'opened' });
    await forge.notes.create('org/app', { kind: 'change_request', iid: cr.iid }, 'hello');
    await forge.notes.list('org/app', { kind: 'change_request', iid: cr.iid });
    const issue = await forge.issues.create('org/app', { title: 'Tour', description: 'x', labels: ['bug'] });
    await forge.notes.create('org/app', { kind: 'issue', iid: issue.iid }, 'noted');
    await forge.notes.list('org/app', { kind: 'issue', iid: issue.iid });

    const red = await fx.sim.push({
      forge: 'gitlab',
      project: 'org/deployer',
      files: { a: '1' },
      message: 'broken [ci:fail=build]',
      username: 'bot',
    });
    await fx.sim.advance(10 * MINUTE);
    const [pipeline] = await forge.ci.listPipelines('org/deployer', { sha: red });
    await forge.ci.getPipeline('org/deployer', pipeline!.id);
    const jobs = await forge.ci.listJobs('org/deployer', pipeline!.id);
    await forge.ci.retryJob('org/deployer', jobs.find((j) => j.status === 'failed')!.id);
    await fx.sim.advance(10 * MINUTE);
    const green = await fx.sim.push({
      forge: 'gitlab',
      project: 'org/deployer',
      files: { b: '1' },
      message: 'ok',
    });
    await fx.sim.advance(10 * MINUTE);
    const [ok] = await forge.ci.listPipelines('org/deployer', { sha: green });
    const manual = (await forge.ci.listJobs('org/deployer', ok!.id)).find((j) => j.manual);
    if (manual) await forge.ci.playJob('org/deployer', manual.id);
    await forge.ci.retryPipeline('org/deployer', pipeline!.id).catch(() => undefined); // may have nothing to retry

    await forge.deployments.create('org/app', {
      environment: 'gstg',
      ref: 'main',
      sha: main.sha,
      version: '1.0.0',
    });
    await forge.deployments.list('org/app', { environment: 'gstg' });
    await forge.packages.upload('org/app', 'tour', '1.0.0', 'tour.txt', new Blob(['tour\n']).stream(), 5);

    const compared = new Set<string>();
    const violations = checkGitlabAnswers(readDir(dir), gitlabRecordings(), compared);
    expect(violations.map(formatViolation)).toEqual([]);
    expect([...compared].sort()).toEqual(
      expect.arrayContaining([
        'compare.json',
        'create-branch.json',
        'create-commit-multiple-files.json',
        'create-deployment.json',
        'create-issue.json',
        'get-branch.json',
        'get-commit.json',
        'get-current-user.json',
        'get-file.json',
        'get-merge-request.json',
        'get-pipeline.json',
        'list-issue-notes.json',
        'list-merge-requests.json',
        'list-mr-notes.json',
        'list-pipeline-jobs.json',
        'list-pipelines.json',
        'publish-generic-package-select-package-file.json',
        'retry-job.json',
      ]),
    );
  });

  it('names the route, the place and the rule of a wrong GitLab answer (wrong type, invented field)', () => {
    const recorded = contract('gitlab/get-merge-request.json').response as Record<string, unknown>;
    const answer: RecordedAnswer = {
      forge: 'gitlab',
      method: 'GET',
      path: '/api/v4/projects/1/merge_requests/1',
      route: 'GET /api/v4/projects/:id/merge_requests/:merge_request_iid',
      status: 200,
      body: { ...recorded, iid: String(recorded.iid), mergeable: true },
    };
    expect(checkGitlabAnswers([answer]).map((v) => `${v.operation} ${v.at} ${v.rule}`)).toEqual([
      'gitlab GET /api/v4/projects/:id/merge_requests/:merge_request_iid $.iid type',
      'gitlab GET /api/v4/projects/:id/merge_requests/:merge_request_iid $.mergeable extra',
    ]);
  });

  it('pages carry the pagination headers gitlab.com sends, and its rate-limit headers', async () => {
    const issue = await fx.forge.issues.create('org/app', { title: 'Paged', description: 'x' });
    for (const body of ['one', 'two', 'three'])
      await fx.forge.notes.create('org/app', { kind: 'issue', iid: issue.iid }, body);
    const res = await fetch(
      `${fx.sim.gitlab.url}/api/v4/projects/org%2Fapp/issues/${issue.iid}/notes?per_page=1&page=2`,
      { headers: { 'private-token': fx.token } },
    );
    expect(res.status).toBe(200);
    const recorded = contract('gitlab/list-mr-notes.json').headers;
    const paging = Object.keys(recorded).filter((h) => h === 'link' || h.startsWith('x-'));
    expect(paging.sort()).toEqual([
      'link',
      'x-next-page',
      'x-page',
      'x-per-page',
      'x-prev-page',
      'x-total',
      'x-total-pages',
    ]);
    for (const h of paging) expect(res.headers.get(h), h).not.toBeNull();
    expect(res.headers.get('link')).toMatch(/rel="prev".*rel="next".*rel="first".*rel="last"/);
    // RateLimit-ResetTime: only on a throttled answer in current GitLab (the 2019 recording has it on every one).
    const limits = Object.keys(recorded).filter(
      (h) => h.startsWith('ratelimit-') && h !== 'ratelimit-resettime',
    );
    expect(limits.length).toBeGreaterThan(0);
    for (const h of limits) expect(res.headers.get(h), h).toMatch(/^\d+$/);
  });
});
