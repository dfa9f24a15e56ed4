import type { SimPipeline } from '../../core/model.js';
import { ACCESS, SimError } from '../../core/world.js';
import { currentUser, loadProject, P, page, sortBy, type Gitlab } from '../context.js';
import { forbidden, notFound, validation } from '../errors.js';
import { date, oneOf, param, required, str } from '../params.js';
import { pipelineBasic, pipelineDetail } from '../serializers/pipeline.js';

const STATUSES = [
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'success',
  'failed',
  'canceled',
  'skipped',
  'manual',
  'scheduled',
] as const;
const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);

export function findPipeline(gl: Gitlab, projectId: number, id: string | undefined): SimPipeline {
  const p = gl.world.pipelines.find((x) => x.projectId === projectId && x.id === Number(id));
  if (!p) throw notFound();
  return p;
}

function parseVariables(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const v of raw) {
      const entry = v as { key?: unknown; value?: unknown };
      if (entry && entry.key !== undefined) out[String(entry.key)] = String(entry.value ?? '');
    }
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) out[k] = String(v);
  }
  return out;
}

export function registerPipelines(gl: Gitlab): void {
  gl.add('GET', `${P}/pipelines`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const scope = oneOf(req, 'scope', ['running', 'pending', 'finished', 'branches', 'tags'] as const);
    const status = oneOf(req, 'status', STATUSES);
    const ref = str(req, 'ref');
    const sha = str(req, 'sha');
    const source = str(req, 'source');
    const username = str(req, 'username');
    const updatedAfter = date(req, 'updated_after');
    const updatedBefore = date(req, 'updated_before');
    const createdAfter = date(req, 'created_after');
    const createdBefore = date(req, 'created_before');
    const orderBy = oneOf(req, 'order_by', ['id', 'status', 'ref', 'updated_at', 'user_id'] as const) ?? 'id';
    const sort = oneOf(req, 'sort', ['asc', 'desc'] as const) ?? 'desc';
    let pipelines = gl.world.pipelines.filter(
      (p) =>
        p.projectId === project.id &&
        (!status || p.status === status) &&
        (!ref || p.ref === ref) &&
        (!sha || p.sha === sha) &&
        (!source || p.source === source) &&
        (!username || gl.world.users.get(p.userId)?.username === username) &&
        (updatedAfter === undefined || Date.parse(p.updatedAt) >= updatedAfter) &&
        (updatedBefore === undefined || Date.parse(p.updatedAt) <= updatedBefore) &&
        (createdAfter === undefined || Date.parse(p.createdAt) >= createdAfter) &&
        (createdBefore === undefined || Date.parse(p.createdAt) <= createdBefore) &&
        (scope !== 'running' || p.status === 'running') &&
        (scope !== 'pending' || p.status === 'pending') &&
        (scope !== 'finished' || FINISHED.has(p.status)) &&
        (scope !== 'tags' || p.tag) &&
        (scope !== 'branches' || !p.tag),
    );
    if (scope === 'branches' || scope === 'tags') {
      // GitLab keeps the latest pipeline of each ref for these scopes.
      const latest = new Map<string, SimPipeline>();
      for (const p of pipelines) if ((latest.get(p.ref)?.id ?? 0) < p.id) latest.set(p.ref, p);
      pipelines = [...latest.values()];
    }
    const key =
      orderBy === 'status'
        ? (p: SimPipeline) => p.status
        : orderBy === 'ref'
          ? (p: SimPipeline) => p.ref
          : orderBy === 'updated_at'
            ? (p: SimPipeline) => p.updatedAt
            : orderBy === 'user_id'
              ? (p: SimPipeline) => p.userId
              : (p: SimPipeline) => p.id;
    pipelines = sortBy(
      sortBy(pipelines, (p) => p.id, sort),
      key,
      sort,
    );
    const { items, headers } = page(gl, req, pipelines);
    return { body: items.map((p) => ({ ...pipelineBasic(gl, p), name: null })), headers };
  });

  gl.add('GET', `${P}/pipelines/latest`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const ref = str(req, 'ref') ?? project.defaultBranch;
    const sha = await project.repo.branchSha(ref);
    const latest = gl.world.pipelines
      .filter((p) => p.projectId === project.id && p.ref === ref && p.sha === sha)
      .reduce<SimPipeline | undefined>((a, p) => (!a || p.id > a.id ? p : a), undefined);
    if (!latest) throw notFound();
    return { body: pipelineDetail(gl, latest) };
  });

  gl.add('GET', `${P}/pipelines/:pipeline_id`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    return { body: pipelineDetail(gl, findPipeline(gl, project.id, req.params.pipeline_id)) };
  });

  gl.add('POST', `${P}/pipeline`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const [ref] = required(req, 'ref');
    const variables = parseVariables(param(req, 'variables'));
    const branchSha = await project.repo.branchSha(ref!);
    const tagSha = branchSha ? null : await project.repo.resolve(`refs/tags/${ref}`);
    const sha = branchSha ?? tagSha;
    if (!sha) throw validation({ base: ['Reference not found'] });
    if (!project.ciEnabled) throw validation({ base: ['Missing CI config file'] });
    const input = {
      project,
      ref: ref!,
      sha,
      tag: Boolean(tagSha),
      source: 'api',
      userId: currentUser(req).id,
      variables,
    };
    let pipeline: SimPipeline;
    try {
      pipeline = await gl.ci.createPipeline(input);
    } catch (error) {
      // The API ignores [ci skip]: a pipeline asked for by name always runs.
      if (!(error instanceof SimError && error.code === 'skipped')) throw error;
      pipeline = await gl.ci.createPipeline({
        ...input,
        outcome: project.ciByBranch.get(ref!) ?? project.ciDefault,
      });
    }
    return { status: 201, body: pipelineDetail(gl, pipeline) };
  });

  gl.add('POST', `${P}/pipelines/:pipeline_id/retry`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const pipeline = findPipeline(gl, project.id, req.params.pipeline_id);
    try {
      await gl.ci.retryPipeline(pipeline, currentUser(req).id);
    } catch (error) {
      if (error instanceof SimError) throw forbidden();
      throw error;
    }
    return { status: 201, body: pipelineDetail(gl, pipeline) };
  });

  gl.add('POST', `${P}/pipelines/:pipeline_id/cancel`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const pipeline = findPipeline(gl, project.id, req.params.pipeline_id);
    await gl.ci.cancelPipeline(pipeline);
    return { status: 200, body: pipelineDetail(gl, pipeline) };
  });

  gl.add('GET', `${P}/pipelines/:pipeline_id/variables`, (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const pipeline = findPipeline(gl, project.id, req.params.pipeline_id);
    return {
      body: Object.entries(pipeline.variables).map(([key, value]) => ({
        key,
        value,
        variable_type: 'env_var',
      })),
    };
  });
}
