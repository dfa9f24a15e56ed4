import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appTokenSource } from '../../src/forges/github/app-auth.js';
import type { RecordedAnswer } from '../../packages/forge-sandbox/src/core/answer-recorder.js';
import { createGithubApp } from '../../packages/forge-sandbox/src/github/apps.js';
import { adapterFixture, MINUTE, PROJECT, type AdapterFixture } from '../forges/github/helpers.js';
import { checkGithubAnswers, formatViolation } from './support/check-answers.js';
import { loadOpenApi, type OpenApi } from './support/openapi.js';
import { contract } from './support/replay.js';
import { memoryEtagCache } from '../../src/forges/etag-cache.js';

/**
 * Every GitHub REST operation the adapters call, driven through the real adapters against the
 * simulator, and every answer checked against GitHub's OpenAPI description. The operations are
 * read from the adapters' source, so a new call the tour does not cover fails here too.
 */

const ADAPTERS = fileURLToPath(new URL('../../src/forges/github/', import.meta.url));

/** `METHOD /path/{param}` routes named in the adapters' source, as OpenAPI operation ids. */
function adapterOperations(openapi: OpenApi): string[] {
  const ids = new Set<string>();
  for (const file of readdirSync(ADAPTERS).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(ADAPTERS, file), 'utf8');
    for (const [, method, path] of source.matchAll(/'(GET|POST|PUT|PATCH|DELETE) (\/[^' ]+)'/g)) {
      if (path === '/graphql') continue;
      const op = openapi.operation(method!, path!.replace(/\{[^}]+\}/g, 'x'));
      ids.add(op?.id ?? `unknown: ${method} ${path}`);
    }
  }
  return [...ids].sort();
}

function readDir(dir: string): RecordedAnswer[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('github-'))
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RecordedAnswer),
    );
}

function stream(text: string): ReadableStream<Uint8Array> {
  return new Blob([text]).stream();
}

describe('GitHub conformance: the simulator answers every operation the adapters use as GitHub describes it', () => {
  let f: AdapterFixture;
  let openapi: OpenApi;
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-conformance-'));

  beforeAll(async () => {
    openapi = loadOpenApi();
    const previous = process.env.RELEASE_BOT_SIM_CONFORMANCE;
    process.env.RELEASE_BOT_SIM_CONFORMANCE = dir; // read once, when the simulator's views start
    try {
      f = await adapterFixture({
        protectedBranches: ['main'],
        ciJobs: [
          { name: 'build', stage: 'build', durationMs: MINUTE },
          { name: 'test', stage: 'test', durationMs: MINUTE },
          { name: 'deploy:staging', stage: 'deploy', when: 'manual', durationMs: MINUTE },
        ],
      });
    } finally {
      if (previous === undefined) delete process.env.RELEASE_BOT_SIM_CONFORMANCE;
      else process.env.RELEASE_BOT_SIM_CONFORMANCE = previous;
    }
  });
  afterAll(async () => {
    await f?.sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a tour of the adapters: every answer matches its operation, and every adapter operation was answered', async () => {
    const forge = f.forge;
    await forge.currentUser();
    await forge.repo.getProject(PROJECT);
    const main = (await forge.repo.getBranch(PROJECT, 'main'))!;
    expect(await forge.repo.getBranch(PROJECT, 'nope')).toBeNull();
    await forge.repo.getCommit(PROJECT, main.sha);
    await forge.repo.listCommits(PROJECT, 'main', { limit: 5 });
    await forge.repo.getFile(PROJECT, 'VERSION', 'main');
    expect(await forge.repo.getFile(PROJECT, 'missing', 'main')).toBeNull();
    await forge.repo.createBranch(PROJECT, 'release-bot/tour', main.sha);
    const bump = await forge.repo.commitFiles(PROJECT, {
      branch: 'release-bot/tour',
      message: 'Bump to 1.1.0',
      actions: [{ action: 'update', path: 'VERSION', content: '1.1.0\n' }],
    });
    await forge.repo.commitFiles(PROJECT, {
      branch: 'release-bot/fresh',
      startFrom: 'main',
      message: 'Fresh branch',
      actions: [{ action: 'create', path: 'NOTES', content: 'x\n' }],
    });
    await forge.repo.listBranches(PROJECT, { prefix: 'release-bot/' });
    await forge.repo.compare(PROJECT, main.sha, bump.sha);
    await forge.repo.updateBranch(PROJECT, 'release-bot/fresh', main.sha, { force: true });
    await forge.repo.deleteBranch(PROJECT, 'release-bot/fresh');

    await forge.labels.ensure(PROJECT, { name: 'automation', color: 'ededed' });
    await forge.labels.ensure(PROJECT, { name: 'automation', color: 'ededed' });
    await forge.labels.currentMilestone(PROJECT);
    const cr = await forge.changeRequests.create(PROJECT, {
      sourceBranch: 'release-bot/tour',
      targetBranch: 'main',
      title: 'Bump to 1.1.0',
      description: 'tour',
      labels: ['automation'],
      assignees: ['alice'],
      reviewers: ['alice'],
    });
    await forge.changeRequests.list(PROJECT, { sourceBranch: 'release-bot/tour', state: 'opened' });
    await forge.changeRequests.get(PROJECT, cr.iid);
    await forge.changeRequests.update(PROJECT, cr.iid, {
      title: 'Bump to 1.1.0 (tour)',
      addLabels: ['tour'],
    });
    await forge.changeRequests.update(PROJECT, cr.iid, { removeLabels: ['tour'] });
    await forge.changeRequests.update(PROJECT, cr.iid, { labels: ['automation'] });
    await f.alice.changeRequests.approve(PROJECT, cr.iid, { sha: bump.sha });
    await forge.changeRequests.enableAutoMerge(PROJECT, cr.iid, { sha: bump.sha });
    const note = await forge.notes.create(PROJECT, { kind: 'change_request', iid: cr.iid }, 'hello');
    await forge.notes.update(PROJECT, { kind: 'change_request', iid: cr.iid }, note.id, 'hello again');
    const notes = await forge.notes.list(PROJECT, { kind: 'change_request', iid: cr.iid });
    // A fresh adapter has not seen the comments' node ids yet: it reads each comment first.
    await f.make().notes.edits(PROJECT, { kind: 'change_request', iid: cr.iid }, notes);
    await forge.changeRequests.disableAutoMerge(PROJECT, cr.iid);
    const other = await forge.repo.commitFiles(PROJECT, {
      branch: 'release-bot/tour-merge',
      startFrom: 'main',
      message: 'Notes',
      actions: [{ action: 'create', path: 'NOTES', content: 'y\n' }],
    });
    const direct = await forge.changeRequests.create(PROJECT, {
      sourceBranch: 'release-bot/tour-merge',
      targetBranch: 'main',
      title: 'Notes',
      description: 'merged directly',
      removeSourceBranch: true,
    });
    await f.sim.advance(10 * MINUTE);
    await f.alice.changeRequests.approve(PROJECT, direct.iid, { sha: other.sha });
    await forge.changeRequests.merge(PROJECT, direct.iid, { sha: other.sha, removeSourceBranch: true });

    const issue = await forge.issues.create(PROJECT, {
      title: 'Tour issue',
      description: 'x',
      labels: ['automation'],
    });
    await forge.issues.get(PROJECT, issue.iid);
    await forge.issues.list(PROJECT, { state: 'opened', labels: ['automation'] });
    await forge.issues.update(PROJECT, issue.iid, { state: 'close' });

    const flaky = await f.sim.push({
      forge: 'github',
      project: PROJECT,
      branch: 'flaky',
      files: { b: '1' },
      message: 'Flaky [ci:flaky=test]',
    });
    await f.sim.advance(30 * MINUTE);
    const [pipeline] = await forge.ci.listPipelines(PROJECT, { sha: flaky });
    await forge.ci.getPipeline(PROJECT, pipeline!.id);
    const jobs = await forge.ci.listJobs(PROJECT, pipeline!.id);
    await forge.ci.retryJob(PROJECT, jobs.find((j) => j.status === 'failed')!.id);
    await f.sim.advance(30 * MINUTE);
    await forge.ci.retryPipeline(PROJECT, pipeline!.id).catch(() => undefined); // may have nothing to retry
    const [onMain] = await forge.ci.listPipelines(PROJECT, { ref: 'main' });
    const manual = (await forge.ci.listJobs(PROJECT, onMain!.id)).find((j) => j.manual);
    if (manual) await forge.ci.playJob(PROJECT, manual.id);
    await forge.ci.commitChecks(PROJECT, flaky);
    await forge.ci.branchChecks(PROJECT, 'main', 5);
    await forge.ci.listTagPipelines(PROJECT, 'v0.0.0');

    const d = await forge.deployments.create(PROJECT, {
      environment: 'gstg',
      ref: 'main',
      sha: main.sha,
      version: '1.0.0',
    });
    await forge.deployments.get(PROJECT, d.id);
    await forge.deployments.list(PROJECT, { environment: 'gstg' });
    // A deployment recorded as done (follow-deployments on a component project): created, then success.
    await forge.deployments.record(PROJECT, { environment: 'gprd', ref: 'main', sha: main.sha });

    // Protection as the adapters read it (move-stable-branches), and the PRs of a merged commit.
    await forge.repo.getBranchProtection(PROJECT, 'main');
    await forge.changeRequests.listForCommit(PROJECT, other.sha);

    // With an ETag cache, a remembered green branch is re-checked by probing its head's signals:
    // the check runs, and the combined status when the head carries commit statuses.
    // A branch whose head carries a commit status only (no workflow runs on a created ref).
    await forge.repo.createBranch(PROJECT, 'tour-status', main.sha);
    f.sim.setStatus('github', PROJECT, main.sha, { context: 'stage/copr', state: 'success' });
    const cached = f.make({ http: { retries: 2, backoffMs: 1, etags: { cache: memoryEtagCache() } } });
    const first = await cached.ci.branchChecks(PROJECT, 'tour-status', 1);
    expect(first[0]!.checks.map((c) => c.kind)).toContain('status');
    await cached.ci.branchChecks(PROJECT, 'tour-status', 1);

    await forge.packages.upload(PROJECT, 'tour', '1.0.0', 'tour.txt', stream('tour\n'), 5);
    await forge.packages.listFiles(PROJECT, 'tour', '1.0.0');
    await new Response(await forge.packages.download(PROJECT, 'tour', '1.0.0', 'tour.txt')).text();

    // GitHub App auth: the installation found from its owner, then a token minted for it.
    f.sim.createUser('tour-org');
    const app = createGithubApp(f.sim.world, { slug: 'tour-bot', account: 'tour-org' });
    const appAuth = appTokenSource(
      { appId: app.appId, privateKey: app.privateKey, installationOwner: 'tour-org' },
      f.sim.github.apiUrl,
      fetch,
    );
    expect(await appAuth.installationId()).toBe(app.installationId);
    await appAuth.headers();

    const answers = readDir(dir);
    const violations = checkGithubAnswers(answers, openapi);
    expect(violations.map(formatViolation)).toEqual([]);

    // Answers without a JSON body (204, redirects) are not sampled: coverage comes from the request log.
    const answered = new Set(
      f.sim
        .requests()
        .filter((r) => r.forge === 'github' && r.route !== 'UNMATCHED')
        .map((r) => openapi.operation(r.method, r.path)?.id),
    );
    const missing = adapterOperations(openapi).filter((id) => !answered.has(id));
    expect(missing).toEqual([]);
    expect(answers.some((a) => a.route === 'POST /graphql')).toBe(true);
  });

  it('list pages carry the Link (by repository id) and x-ratelimit-* headers api.github.com sends', async () => {
    const recorded = contract('github/list-issues-page-1.json');
    const res = await fetch(`${f.sim.github.url}/repos/${PROJECT}/issues?state=all&per_page=1`, {
      headers: { authorization: `token ${f.botToken}` },
    });
    expect(res.status).toBe(200);
    for (const h of Object.keys(recorded.headers).filter((k) => k.startsWith('x-ratelimit-')))
      expect(res.headers.get(h), h).toMatch(/^\w+$/);
    const auth = { headers: { authorization: `token ${f.botToken}` } };
    const { id } = (await (await fetch(`${f.sim.github.url}/repos/${PROJECT}`, auth)).json()) as {
      id: number;
    };
    // api.github.com: `<https://api.github.com/repositories/1000/issues?per_page=3&page=2>; rel="next", ...`
    expect(recorded.headers.link).toMatch(/\/repositories\/\d+\/issues\?.*rel="next"/);
    const next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    expect(next).toMatch(new RegExp(`/repositories/${id}/issues\\?`));
    const page2 = await fetch(next!, auth);
    expect(page2.status).toBe(200);
    expect(((await page2.json()) as unknown[]).length).toBe(1);
  });

  it('names the operation, the place and the rule of a wrong answer (missing field, wrong type, single shape in a list)', async () => {
    const get = async (path: string) => {
      const res = await fetch(`${f.sim.github.url}${path}`, {
        headers: { authorization: `token ${f.botToken}` },
      });
      return (await res.json()) as Record<string, unknown>;
    };
    const pull = await get(`/repos/${PROJECT}/pulls/1`);
    expect(openapi.check('GET', `/repos/${PROJECT}/pulls/1`, 200, pull)).toEqual([]);

    const broken = { ...pull, number: String(pull.number) } as Record<string, unknown>;
    delete broken.html_url;
    expect(openapi.check('GET', `/repos/${PROJECT}/pulls/1`, 200, broken).map(formatViolation)).toEqual([
      'pulls/get → 200 at $.html_url: missing required field "html_url" (required)',
      'pulls/get → 200 at $.number: expected integer, got string (type)',
    ]);
    // A list item in the single-item shape: pulls.list items are pull-request-simple.
    const list = openapi
      .check('GET', `/repos/${PROJECT}/pulls`, 200, [pull])
      .map((v) => `${v.operation} ${v.at} ${v.rule}`);
    expect(list).toEqual(
      expect.arrayContaining([
        'pulls/list $[0].mergeable additionalProperties',
        'pulls/list $[0].merged additionalProperties',
      ]),
    );
    expect(openapi.check('GET', `/repos/${PROJECT}/pulls/1`, 201, pull)[0]).toMatchObject({ rule: 'status' });
    expect(openapi.check('GET', `/repos/${PROJECT}/no-such-thing/1`, 200, {})[0]).toMatchObject({
      rule: 'operation',
    });
  });
});
