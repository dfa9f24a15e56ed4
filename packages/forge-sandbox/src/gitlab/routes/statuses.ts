import type { SimCommitStatus, SimProject } from '../../core/model.js';
import { ACCESS } from '../../core/world.js';
import { currentUser, loadProject, P, page, sortBy, type Gitlab } from '../context.js';
import { apiError, invalidValue, notFound } from '../errors.js';
import { bool, int, oneOf, required, str } from '../params.js';
import { externalStatusEntity, jobStatusEntity } from '../serializers/status.js';

const STATES = ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'] as const;
const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped', 'error']);
/** The state-machine event GitLab names in its transition error. */
const EVENT: Record<string, string> = {
  pending: 'enqueue',
  running: 'run',
  success: 'success',
  failed: 'drop',
  canceled: 'cancel',
  skipped: 'skip',
};

/** External statuses carry a ref on GitLab; the shared model does not, so the view remembers it. */
const refs = new WeakMap<SimCommitStatus, string | null>();

async function defaultRef(project: SimProject, sha: string): Promise<string | null> {
  const branches = await project.repo.listBranches();
  const exact = branches.find((b) => b.sha === sha);
  if (exact) return exact.name;
  for (const b of branches) if (await project.repo.isAncestor(sha, b.sha)) return b.name;
  return null;
}

export function registerStatuses(gl: Gitlab): void {
  gl.add('GET', `${P}/repository/commits/:sha/statuses`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const sha = await project.repo.resolve(req.params.sha!);
    if (!sha) throw notFound('Commit');
    const ref = str(req, 'ref');
    const stage = str(req, 'stage');
    const name = str(req, 'name');
    const pipelineId = int(req, 'pipeline_id');
    const all = bool(req, 'all') ?? false;
    const orderBy = oneOf(req, 'order_by', ['id', 'pipeline_id'] as const) ?? 'id';
    const sort = oneOf(req, 'sort', ['asc', 'desc'] as const) ?? 'asc';
    const pipelines = gl.world.pipelines.filter(
      (p) =>
        p.projectId === project.id &&
        p.sha === sha &&
        (!ref || p.ref === ref) &&
        (pipelineId === undefined || p.id === pipelineId),
    );
    const entries: { id: number; pipelineId: number; name: string; body: Record<string, unknown> }[] = [];
    for (const p of pipelines)
      for (const job of gl.ci.jobsOf(p, all))
        if ((!stage || job.stage === stage) && (!name || job.name === name))
          entries.push({ id: job.id, pipelineId: p.id, name: job.name, body: jobStatusEntity(gl, job) });
    const external = gl.world.statuses.filter(
      (s) =>
        s.projectId === project.id &&
        s.sha === sha &&
        (!ref || refs.get(s) === ref) &&
        (!name || s.context === name) &&
        pipelineId === undefined &&
        (!stage || stage === 'external'),
    );
    for (const s of external) {
      if (!all && external.some((o) => o.context === s.context && refs.get(o) === refs.get(s) && o.id > s.id))
        continue;
      entries.push({
        id: s.id,
        pipelineId: 0,
        name: s.context,
        body: externalStatusEntity(gl, s, refs.get(s) ?? null),
      });
    }
    const ordered = sortBy(
      entries,
      (e) => (orderBy === 'pipeline_id' ? e.pipelineId * 1e9 + e.id : e.id),
      sort,
    );
    const { items, headers } = page(gl, req, ordered);
    return { body: items.map((e) => e.body), headers };
  });

  gl.add('POST', `${P}/statuses/:sha`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const [state] = required(req, 'state');
    if (!STATES.includes(state as (typeof STATES)[number])) throw invalidValue('state');
    const sha = await project.repo.resolve(req.params.sha!);
    if (!sha) throw notFound('Commit');
    const name = str(req, 'name') ?? str(req, 'context') ?? 'default';
    const ref = str(req, 'ref') ?? (await defaultRef(project, sha));
    const now = gl.world.nowIso();
    const previous = gl.world.statuses
      .filter((s) => s.projectId === project.id && s.sha === sha && s.context === name && refs.get(s) === ref)
      .reduce<SimCommitStatus | undefined>((a, s) => (!a || s.id > a.id ? s : a), undefined);
    const description = str(req, 'description');
    const targetUrl = str(req, 'target_url');
    if (previous && !FINISHED.has(previous.state)) {
      if (previous.state === state)
        throw apiError(
          400,
          `Cannot transition status via :${EVENT[state!]} from :${previous.state} (Reason(s): Status cannot transition via "${EVENT[state!]}")`,
        );
      previous.state = state as SimCommitStatus['state'];
      if (description !== undefined) previous.description = description;
      if (targetUrl !== undefined) previous.targetUrl = targetUrl;
      previous.updatedAt = now;
      return { status: 201, body: externalStatusEntity(gl, previous, ref) };
    }
    const status: SimCommitStatus = {
      id: gl.world.nextId('status'),
      projectId: project.id,
      sha,
      context: name,
      // `skipped` has no slot in the shared model's union; GitLab shows it as given.
      state: state as SimCommitStatus['state'],
      description: description ?? null,
      targetUrl: targetUrl ?? null,
      creatorId: currentUser(req).id,
      createdAt: now,
      updatedAt: now,
    };
    refs.set(status, ref);
    gl.world.statuses.push(status);
    return { status: 201, body: externalStatusEntity(gl, status, ref) };
  });
}
