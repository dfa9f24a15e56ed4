import type { SimCheckRun, SimProject } from '../../core/model.js';
import { SimError } from '../../core/world.js';
import { checkRunsOf, latestPerName } from '../checks.js';
import { GhError, ghTime, nodeId, notFound, ok, repoOf, str, validationFailed, type Gh } from '../context.js';
import { objectType } from '../git-objects.js';
import { paged } from '../paging.js';
import { repoHtml, repoUrl } from '../serializers/repos.js';
import { account } from '../serializers/users.js';
import { commitOf } from './commits.js';

const STATUSES = new Set(['queued', 'in_progress', 'completed']);
const CONCLUSIONS = new Set([
  'success',
  'failure',
  'neutral',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
]);

function appJson(gh: Gh, slug: string): Record<string, unknown> {
  const actions = slug === 'github-actions';
  const id = actions ? 15368 : 1;
  return {
    id,
    slug,
    node_id: nodeId('A', id),
    owner: account(
      gh,
      actions ? 'github' : slug,
      actions ? 9919 : id,
      nodeId('O', actions ? 9919 : id),
      'Organization',
      false,
    ),
    name: actions ? 'GitHub Actions' : slug,
    description: actions ? 'Automate your workflow from idea to production' : '',
    external_url: actions ? 'https://help.github.com/en/actions' : gh.web(),
    html_url: `${gh.web()}/apps/${slug}`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2019-12-10T19:04:12Z',
    permissions: { checks: 'write', metadata: 'read', statuses: 'write' },
    events: [],
  };
}

function startedAt(gh: Gh, run: SimCheckRun): string | null {
  if (run.startedAt) return run.startedAt;
  const meta = gh.state.checkRunMeta.get(run.id);
  if (meta) return meta.createdAt;
  const job = run.jobId === null ? undefined : gh.world.jobs.find((j) => j.id === run.jobId);
  return job?.createdAt ?? null;
}

export function checkRunJson(gh: Gh, project: SimProject, run: SimCheckRun): Record<string, unknown> {
  const url = `${repoUrl(gh, project)}/check-runs/${run.id}`;
  const job = run.jobId === null ? undefined : gh.world.jobs.find((j) => j.id === run.jobId);
  const output = gh.state.checkRunMeta.get(run.id)?.output ?? { title: null, summary: null, text: null };
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId('CR', run.id),
    head_sha: run.sha,
    external_id: run.externalId ?? '',
    url,
    html_url: job
      ? `${repoHtml(gh, project)}/actions/runs/${job.pipelineId}/job/${job.id}`
      : `${repoHtml(gh, project)}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: ghTime(startedAt(gh, run)),
    completed_at: ghTime(run.completedAt),
    output: { ...output, annotations_count: 0, annotations_url: `${url}/annotations` },
    check_suite: { id: job ? job.pipelineId : run.id },
    app: appJson(gh, run.appSlug),
    pull_requests: [],
  };
}

function findRun(gh: Gh, project: SimProject, id: string | undefined): SimCheckRun {
  const run = gh.world.checkRuns.find((c) => c.id === Number(id) && c.projectId === project.id);
  if (!run) throw notFound();
  return run;
}

function applyUpdate(gh: Gh, run: SimCheckRun, body: Record<string, unknown>): void {
  const status = str(body.status);
  const conclusion = str(body.conclusion);
  if (status !== undefined && !STATUSES.has(status))
    throw validationFailed({ resource: 'CheckRun', code: 'invalid', field: 'status' });
  if (conclusion !== undefined && !CONCLUSIONS.has(conclusion))
    throw validationFailed({ resource: 'CheckRun', code: 'invalid', field: 'conclusion' });
  if (status === 'completed' && !conclusion && !run.conclusion)
    throw validationFailed({ resource: 'CheckRun', code: 'missing_field', field: 'conclusion' });
  const now = gh.world.nowIso();
  if (str(body.name)) run.name = str(body.name)!;
  if (str(body.details_url) !== undefined) run.detailsUrl = str(body.details_url)!;
  if (str(body.external_id) !== undefined) run.externalId = str(body.external_id)!;
  if (str(body.started_at)) run.startedAt = str(body.started_at)!;
  if (status) run.status = status as SimCheckRun['status'];
  if (status === 'in_progress' && !run.startedAt) run.startedAt = now;
  if (conclusion) {
    run.conclusion = conclusion as SimCheckRun['conclusion'];
    run.status = 'completed';
  }
  if (run.status === 'completed') run.completedAt = str(body.completed_at) ?? run.completedAt ?? now;
  const output = body.output as Record<string, unknown> | undefined;
  if (output && typeof output === 'object') {
    const meta = gh.state.checkRunMeta.get(run.id) ?? {
      createdAt: now,
      output: { title: null, summary: null, text: null },
    };
    meta.output = {
      title: str(output.title) ?? meta.output.title,
      summary: str(output.summary) ?? meta.output.summary,
      text: str(output.text) ?? meta.output.text,
    };
    gh.state.checkRunMeta.set(run.id, meta);
  }
}

/** Check runs: list per commit (filter latest|all), create, update, re-request (a new run, same name). */
export function registerCheckRuns(gh: Gh, onChange: () => Promise<void>): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/commits/:ref/check-runs',
    async (req) => {
      const project = repoOf(gh, req);
      const sha = await commitOf(project, req.params.ref!);
      const filter = req.query.get('filter') ?? 'latest';
      if (filter !== 'latest' && filter !== 'all')
        throw validationFailed({ resource: 'CheckRun', code: 'invalid', field: 'filter' });
      let runs = checkRunsOf(gh, project, sha);
      const name = req.query.get('check_name');
      if (name) runs = runs.filter((r) => r.name === name);
      if (filter === 'latest') runs = latestPerName(runs);
      const status = req.query.get('status');
      if (status) runs = runs.filter((r) => r.status === status);
      runs.sort((a, b) => b.id - a.id);
      const page = paged(gh, req, runs);
      return ok(
        { total_count: page.total, check_runs: page.items.map((r) => checkRunJson(gh, project, r)) },
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/check-runs', async (req) => {
    const project = repoOf(gh, req, 'push', 403);
    const name = str(req.body.name);
    const headSha = str(req.body.head_sha);
    if (!name) throw validationFailed({ resource: 'CheckRun', code: 'missing_field', field: 'name' });
    if (!headSha || (await objectType(project.repo.dir, headSha)) !== 'commit')
      throw validationFailed({ resource: 'CheckRun', code: 'invalid', field: 'head_sha' });
    const now = gh.world.nowIso();
    const run: SimCheckRun = {
      id: gh.world.nextId('check_run'),
      projectId: project.id,
      sha: (await project.repo.resolve(headSha))!,
      name,
      status: 'queued',
      conclusion: null,
      jobId: null,
      externalId: str(req.body.external_id) ?? null,
      detailsUrl: str(req.body.details_url) ?? null,
      startedAt: str(req.body.started_at) ?? now,
      completedAt: null,
      appSlug: req.user!.bot ? req.user!.username : 'release-bot-sim',
    };
    gh.state.checkRunMeta.set(run.id, { createdAt: now, output: { title: null, summary: null, text: null } });
    applyUpdate(gh, run, req.body);
    gh.world.checkRuns.push(run);
    await onChange();
    return ok(checkRunJson(gh, project, run), 201);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/check-runs/:id',
    (req) => {
      const project = repoOf(gh, req);
      return ok(checkRunJson(gh, project, findRun(gh, project, req.params.id)));
    },
    { anonymous: true },
  );

  gh.add('PATCH', '/repos/:owner/:repo/check-runs/:id', async (req) => {
    const project = repoOf(gh, req, 'push', 403);
    const run = findRun(gh, project, req.params.id);
    if (run.jobId !== null) throw new GhError(403, 'Resource not accessible by integration');
    applyUpdate(gh, run, req.body);
    await onChange();
    return ok(checkRunJson(gh, project, run));
  });

  gh.add('POST', '/repos/:owner/:repo/check-runs/:id/rerequest', async (req) => {
    const project = repoOf(gh, req, 'push', 403);
    const run = findRun(gh, project, req.params.id);
    if (run.status !== 'completed') throw new GhError(403, 'This check run is not rerequestable');
    if (run.jobId !== null) {
      // An Actions check run: re-run its job; the CI engine adds the new check run.
      const job = gh.world.jobs.find((j) => j.id === run.jobId)!;
      const latest = gh.world.jobs
        .filter((j) => j.pipelineId === job.pipelineId && j.name === job.name && !j.retried)
        .sort((a, b) => b.id - a.id)[0];
      try {
        await gh.ci.retryJob(latest ?? job, req.user!.id);
      } catch (error) {
        if (error instanceof SimError) throw new GhError(403, 'This check run is not rerequestable');
        throw error;
      }
    } else {
      const now = gh.world.nowIso();
      const again: SimCheckRun = {
        ...run,
        id: gh.world.nextId('check_run'),
        status: 'queued',
        conclusion: null,
        startedAt: now,
        completedAt: null,
      };
      gh.state.checkRunMeta.set(again.id, {
        createdAt: now,
        output: { title: null, summary: null, text: null },
      });
      gh.world.checkRuns.push(again);
    }
    await onChange();
    return ok({}, 201);
  });
}
