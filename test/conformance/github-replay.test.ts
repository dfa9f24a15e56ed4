import fixtures from '@octokit/fixtures';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGithubForge } from '../../src/forges/github/index.js';
import type { Forge } from '../../src/forges/types.js';
import { loadOpenApi, type OpenApi } from './support/openapi.js';
import { contract, octokitFixture, startReplay, type Interaction, type Replay } from './support/replay.js';

/**
 * Recorded api.github.com answers (our copies of octokit.rb / PyGithub / @octokit/fixtures
 * recordings in fixtures/github, and @octokit/fixtures scenarios) played back to the real GitHub
 * adapter: what it returns must be what the recording says, field by field.
 */

type Json = Record<string, unknown>;
type Rec = ReturnType<typeof contract>;

let openapi: OpenApi;
let replay: Replay | undefined;

beforeAll(() => {
  openapi = loadOpenApi();
});
afterEach(async () => {
  if (replay) {
    const { unmatched } = replay;
    await replay.close();
    replay = undefined;
    expect(unmatched, 'requests no recording answers').toEqual([]);
  }
});

/** The adapter against a replay of these interactions, matched by OpenAPI operation. */
async function against(interactions: Interaction[]): Promise<Forge> {
  replay = await startReplay(
    interactions,
    (method, path) => openapi.operation(method, path)?.id ?? `${method} ${path}`,
  );
  return createGithubForge({
    name: 'github',
    url: 'https://github.com',
    apiUrl: replay.url,
    token: 'ghp_replay',
    dryRun: false,
    http: { retries: 0, backoffMs: 1 },
  });
}

const gh = (name: string): Rec => contract(`github/${name}.json`);
const scenario = (name: string) =>
  (fixtures.get(`api.github.com/${name}`) as Parameters<typeof octokitFixture>[0][]).map(octokitFixture);
const body = (r: { response: unknown }) => r.response as Json;
const list = (r: { response: unknown }) => r.response as Json[];

describe('GitHub adapter replays recorded api.github.com answers', () => {
  it('getProject (octokit/fixtures get-repository)', async () => {
    const rec = gh('get-repo');
    const forge = await against([rec]);
    const r = body(rec);
    expect(await forge.repo.getProject('octokit-fixture-org/hello-world')).toEqual({
      id: r.id,
      path: r.full_name,
      defaultBranch: r.default_branch,
      webUrl: r.html_url,
      allowAutoMerge: false,
    });
  });

  it('getBranch sends a name with "/" and "#" encoded as recorded, and maps the head (octokit.rb)', async () => {
    const rec = gh('get-branch');
    const forge = await against([rec]);
    const r = body(rec);
    const branch = await forge.repo.getBranch('octokit/octokit.rb', 'feature/#123-fragment-url');
    expect(replay!.received.map((x) => x.path.split('?')[0])).toEqual([rec.request.path]);
    expect(branch).toMatchObject({
      name: r.name,
      sha: (r.commit as Json).sha,
      protected: r.protected,
    });
  });

  it('getBranch of a missing branch is null (PyGithub "Branch not found")', async () => {
    const forge = await against([gh('error-404-branch-not-found')]);
    expect(await forge.repo.getBranch('austinsasko/PyGithub', 'gone')).toBeNull();
  });

  it('changeRequests.list maps every recorded pull request (PyGithub)', async () => {
    const rec = gh('list-pull-requests');
    const forge = await against([rec]);
    const prs = await forge.changeRequests.list('rsn491/PyGithub', { state: 'opened' });
    expect(prs.map((p) => [p.iid, p.headSha, p.sourceBranch, p.targetBranch, p.author, p.state])).toEqual(
      list(rec).map((p) => {
        const head = p.head as Json;
        return [p.number, head.sha, head.ref, (p.base as Json).ref, (p.user as Json).login, 'opened'];
      }),
    );
  });

  it('changeRequests.create returns the created pull request (octokit.rb)', async () => {
    const rec = gh('create-pull-request');
    const forge = await against([rec]);
    const r = body(rec);
    const cr = await forge.changeRequests.create('o/r', {
      sourceBranch: (r.head as Json).ref as string,
      targetBranch: (r.base as Json).ref as string,
      title: r.title as string,
      description: (r.body as string | null) ?? '',
    });
    expect(cr).toMatchObject({
      id: r.id,
      iid: r.number,
      title: r.title,
      state: 'opened',
      headSha: (r.head as Json).sha,
      webUrl: r.html_url,
      mergedAt: null,
    });
  });

  it('issues.create, then notes.create on it (octokit/fixtures, octokit.rb)', async () => {
    const issue = gh('create-issue');
    const comment = gh('create-issue-comment');
    const forge = await against([issue, comment]);
    const created = await forge.issues.create('octokit-fixture-org/add-labels-to-issue', {
      title: body(issue).title as string,
      description: (body(issue).body as string | null) ?? '',
    });
    expect(created).toMatchObject({ iid: body(issue).number, title: body(issue).title, state: 'opened' });
    const note = await forge.notes.create('o/r', { kind: 'issue', iid: 1 }, body(comment).body as string);
    expect(note).toMatchObject({
      id: body(comment).id,
      body: body(comment).body,
      author: (body(comment).user as Json).login,
    });
  });

  it('issues.list follows the recorded Link pages to the last one (octokit/fixtures paginate-issues)', async () => {
    const pages = scenario('paginate-issues');
    const forge = await against(pages);
    const issues = await forge.issues.list('octokit-fixture-org/paginate-issues', { state: 'all' });
    const recorded = pages.flatMap((p) => list(p)).filter((i) => !i.pull_request);
    expect(issues.map((i) => i.iid)).toEqual(recorded.map((i) => i.number));
    expect(replay!.received).toHaveLength(pages.length);
  });

  it('labels.ensure returns an existing label as recorded (octokit/fixtures labels)', async () => {
    const labels = scenario('labels');
    const forge = await against(labels.filter((i) => i.method === 'GET'));
    const recorded = labels.find((i) => i.method === 'GET' && i.path.endsWith('/test-label'))!;
    const r = body(recorded);
    expect(
      await forge.labels.ensure('octokit-fixture-org/labels', { name: 'test-label', color: '#000000' }),
    ).toEqual({
      name: r.name,
      color: `#${r.color as string}`,
      description: r.description ?? '',
    });
  });

  it('commitChecks maps recorded check runs and statuses (PyGithub, octokit/fixtures)', async () => {
    // Only the first page was recorded: its link to page 2 is dropped so the list ends there.
    const runs = {
      ...gh('list-check-runs-for-ref'),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    };
    const statuses = gh('list-commit-statuses');
    const forge = await against([runs, statuses]);
    const checks = await forge.ci.commitChecks('o/r', '0000000000000000000000000000000000000001');
    const recordedRuns = (body(runs).check_runs as Json[]).map((c) => c.name);
    const recordedStatuses = list(statuses).map((s) => s.context);
    expect(checks.filter((c) => c.kind === 'check_run').map((c) => c.name)).toEqual(recordedRuns);
    expect(checks.filter((c) => c.kind === 'status').map((c) => c.name)).toEqual(recordedStatuses);
  });

  it('getFile decodes the recorded base64 content (PyGithub)', async () => {
    const rec = gh('get-content-file');
    const forge = await against([rec]);
    const file = await forge.repo.getFile('jacquev6/PyGithub', 'README.rst', 'master');
    const r = body(rec);
    expect(file?.content).toBe(Buffer.from(r.content as string, 'base64').toString('utf8'));
  });

  it('updateBranch sends the new sha, then reads the branch; a non fast-forward answer is a 422 error', async () => {
    const moved = gh('update-ref');
    // The branch read after the move finds nothing here: the adapter answers from the ref it set.
    const forge = await against([moved, gh('error-404-branch-not-found')]);
    const sha = (body(moved).object as Json).sha as string;
    const result = await forge.repo.updateBranch('octokit-fixture-org/git-refs', 'test', sha);
    expect(JSON.parse(replay!.received[0]!.body)).toMatchObject({ sha, force: false });
    expect(result).toMatchObject({ name: 'test', sha });
    await replay!.close();
    replay = undefined;
    const refused = await against([gh('error-422-update-not-fast-forward')]);
    await expect(
      refused.repo.updateBranch('gfodor/gfodor-githubpages', 'master', 'a'.repeat(40)),
    ).rejects.toMatchObject({
      status: 422,
    });
  });

  it('deleteBranch accepts the recorded 204 (octokit/fixtures git-refs)', async () => {
    const refs = scenario('git-refs');
    const forge = await against(refs.filter((i) => i.method === 'DELETE'));
    await forge.repo.deleteBranch('octokit-fixture-org/git-refs', 'test');
    // octokit encodes the `/` of `heads/test` (the 2017 recording has it plain); both name the same ref.
    expect(replay!.received.map((r) => `${r.method} ${decodeURIComponent(r.path)}`)).toEqual([
      'DELETE /repos/octokit-fixture-org/git-refs/git/refs/heads/test',
    ]);
  });

  it('packages.listFiles maps a release’s recorded assets (octokit/fixtures release-assets)', async () => {
    const assets = scenario('release-assets');
    const release = assets.find((i) => i.path.includes('/releases/tags/'))!;
    const forge = await against([release]);
    // The adapter names releases `<name>-v<version>`; the recorded tag is v1.0.0 (any tag answers here).
    const files = await forge.packages.listFiles('octokit-fixture-org/release-assets', 'pkg', '1.0.0');
    expect(files.map((f) => [f.id, f.fileName, f.size])).toEqual(
      (body(release).assets as Json[]).map((a) => [a.id, a.name, a.size]),
    );
  });
});
