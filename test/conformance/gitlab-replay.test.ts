import { afterEach, describe, expect, it } from 'vitest';
import { createGitlabForge } from '../../src/forges/gitlab/index.js';
import type { Forge } from '../../src/forges/types.js';
import { contract, startReplay, type Interaction, type Replay } from './support/replay.js';

/**
 * Recorded gitlab.com answers (danger-js recordings) and GitLab's documented examples
 * (fixtures/gitlab) played back to the real GitLab adapter: what it returns must be what the
 * recording says.
 */

type Json = Record<string, unknown>;

let replay: Replay | undefined;
afterEach(async () => {
  if (replay) {
    const { unmatched } = replay;
    await replay.close();
    replay = undefined;
    expect(unmatched, 'requests no recording answers').toEqual([]);
  }
});

/**
 * Requests match by method and path, whatever project id or path the adapter sends, and whatever
 * numeric ids (GitLab's documented examples do not always answer the id their request names).
 */
const key = (method: string, path: string) =>
  `${method} ${path.replace(/\/projects\/[^/]+/, '/projects/:id').replace(/\/\d+(?=\/|$)/g, '/:n')}`;

async function against(interactions: Interaction[]): Promise<Forge> {
  replay = await startReplay(interactions, key);
  return createGitlabForge({
    name: 'gitlab',
    url: replay.url,
    token: 'glpat-replay',
    dryRun: false,
    http: { retries: 0, backoffMs: 1 },
  });
}

const gl = (name: string) => contract(`gitlab/${name}.json`);
/** A recorded body as the replay serves it (recorded origins rewritten to the replay's). */
const body = (r: { response: unknown }) => replay!.rewrite(r.response as Json);
const list = (r: { response: unknown }) => replay!.rewrite(r.response as Json[]);

describe('GitLab adapter replays recorded gitlab.com answers', () => {
  it('currentUser (danger-js, gitlab.com)', async () => {
    const rec = gl('get-current-user');
    const forge = await against([rec]);
    const r = body(rec);
    expect(await forge.currentUser()).toMatchObject({ id: r.id, username: r.username, name: r.name });
  });

  it('changeRequests.get maps a real merge request (gitlab-org/gitlab-foss!27117)', async () => {
    const rec = gl('get-merge-request');
    const forge = await against([rec]);
    const r = body(rec);
    const cr = await forge.changeRequests.get('gitlab-org/gitlab-foss', r.iid as number);
    expect(replay!.received[0]!.path.split('?')[0]).toBe(rec.request.path);
    expect(cr).toMatchObject({
      id: r.id,
      iid: r.iid,
      title: r.title,
      state: r.state,
      sourceBranch: r.source_branch,
      targetBranch: r.target_branch,
      headSha: r.sha,
      webUrl: r.web_url,
      labels: r.labels,
      author: (r.author as Json).username,
    });
  });

  it('changeRequests.list maps every recorded merge request (go-gitlab, from gitlab.com)', async () => {
    const rec = gl('list-merge-requests');
    const forge = await against([rec]);
    const crs = await forge.changeRequests.list('gitlab-org/gitlab-ee', { state: 'all' });
    expect(crs.map((c) => [c.iid, c.headSha, c.sourceBranch, c.state])).toEqual(
      list(rec).map((m) => [m.iid, m.sha, m.source_branch, m.state]),
    );
  });

  it('notes.list keeps every recorded note of an issue (GitLab docs)', async () => {
    const rec = gl('list-issue-notes');
    const forge = await against([rec]);
    const notes = await forge.notes.list('group/project', { kind: 'issue', iid: 11 });
    expect(notes.map((n) => [n.id, n.body, n.author])).toEqual(
      list(rec).map((n) => [n.id, n.body, (n.author as Json).username]),
    );
  });

  it('notes.list of a merge request reads the recorded single page (x-total-pages 1, empty x-next-page)', async () => {
    const rec = gl('list-mr-notes');
    const forge = await against([rec]);
    const notes = await forge.notes.list('gitlab-org/gitlab-foss', { kind: 'change_request', iid: 27117 });
    expect(notes.map((n) => n.id).sort()).toEqual(
      list(rec)
        .map((n) => n.id as number)
        .sort(),
    );
    expect(replay!.received).toHaveLength(1);
  });

  it('repo: getBranch, getCommit, getFile and compare map the recorded answers', async () => {
    const [branch, commit, file, compare] = ['get-branch', 'get-commit', 'get-file', 'compare'].map(gl);
    const forge = await against([branch!, commit!, file!, compare!]);
    expect(await forge.repo.getBranch('group/project', 'main')).toMatchObject({
      name: body(branch!).name,
      sha: (body(branch!).commit as Json).id,
      protected: body(branch!).protected,
    });
    expect(await forge.repo.getCommit('group/project', 'main')).toMatchObject({
      sha: body(commit!).id,
      shortSha: body(commit!).short_id,
      title: body(commit!).title,
      parentShas: body(commit!).parent_ids,
    });
    const got = await forge.repo.getFile('gitlab-org/gitlab-foss', 'Gemfile', 'master');
    expect(got?.content).toBe(Buffer.from(body(file!).content as string, 'base64').toString('utf8'));
    const query = compare!.request.query as { from: string; to: string };
    const diff = await forge.repo.compare('gitlab-org/gitlab-foss', query.from, query.to);
    expect(diff.commits.map((c) => c.sha)).toEqual((body(compare!).commits as Json[]).map((c) => c.id));
    expect(diff.files.map((f) => f.path)).toEqual((body(compare!).diffs as Json[]).map((d) => d.new_path));
  });

  it('ci: pipelines, jobs, retry and play map the documented answers', async () => {
    const recs = [
      'get-pipeline',
      'list-pipelines',
      'list-pipeline-jobs',
      'retry-job',
      'play-job',
      'retry-pipeline',
    ].map(gl);
    const [pipeline, pipelines, jobs, retried, played, rerun] = recs as [
      ReturnType<typeof gl>,
      ...ReturnType<typeof gl>[],
    ];
    const forge = await against(recs);
    expect(await forge.ci.getPipeline('group/project', body(pipeline).id as number)).toMatchObject({
      id: body(pipeline).id,
      sha: body(pipeline).sha,
      ref: body(pipeline).ref,
      status: body(pipeline).status,
    });
    expect((await forge.ci.listPipelines('group/project', {})).map((p) => [p.id, p.status])).toEqual(
      list(pipelines!).map((p) => [p.id, p.status]),
    );
    expect((await forge.ci.listJobs('group/project', 6)).map((j) => [j.id, j.name])).toEqual(
      list(jobs!).map((j) => [j.id, j.name]),
    );
    expect(await forge.ci.retryJob('group/project', body(retried!).id as number)).toMatchObject({
      id: body(retried!).id,
      name: body(retried!).name,
    });
    expect(await forge.ci.playJob('group/project', body(played!).id as number)).toMatchObject({
      id: body(played!).id,
      name: body(played!).name,
    });
    expect(await forge.ci.retryPipeline('group/project', body(rerun!).id as number)).toMatchObject({
      id: body(rerun!).id,
    });
  });

  it('deployments.create and issues.create return what GitLab documents', async () => {
    // GitLab's documented example predates `updated_at`, which lib/api/entities/deployment.rb exposes.
    const documented = gl('create-deployment');
    const deployment = {
      ...documented,
      response: { ...(documented.response as Json), updated_at: (documented.response as Json).created_at },
    };
    const issue = gl('create-issue');
    const forge = await against([deployment, issue]);
    const d = body(deployment);
    expect(
      await forge.deployments.create('group/project', {
        environment: (d.environment as Json).name as string,
        ref: d.ref as string,
        sha: d.sha as string,
      }),
    ).toMatchObject({ id: d.id, ref: d.ref, sha: d.sha, environment: (d.environment as Json).name });
    const i = body(issue);
    expect(
      await forge.issues.create('group/project', {
        title: i.title as string,
        description: '',
        labels: ['bug'],
      }),
    ).toMatchObject({ id: i.id, iid: i.iid, title: i.title, labels: i.labels });
  });
});
