import type { SimMergeRequest, SimProject } from '../../core/model.js';
import { SimError } from '../../core/world.js';
import { accessLevel, GhError, ghTime, nodeId, ok, parseNodeId, type Gh } from '../context.js';
import { findField, GqlSyntaxError, parseArguments, type GqlValue } from '../graphql-parse.js';
import { mergeState } from '../merge.js';
import { repoSettings, type MergeMethod } from '../state.js';

interface GqlError {
  type?: string;
  path?: string[];
  locations?: { line: number; column: number }[];
  message: string;
  extensions?: Record<string, unknown>;
}

class GqlFailure extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const METHODS: Record<string, MergeMethod> = { MERGE: 'merge', SQUASH: 'squash', REBASE: 'rebase' };

function obj(value: GqlValue | undefined): Record<string, GqlValue> {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/**
 * POST /graphql, answering only what the GitHub adapter needs: the enable/disable auto-merge
 * mutations and `repository { pullRequest { ... } }`. Errors come back as GitHub sends them:
 * HTTP 200 with `errors: [{type, path, locations, message}]` and the field `null` in `data`.
 */
export function registerGraphql(gh: Gh, onChange: () => Promise<void>): void {
  async function pullGraph(project: SimProject, mr: SimMergeRequest): Promise<Record<string, unknown>> {
    const state = await mergeState(gh, project, mr);
    const request = gh.state.autoMerge.get(mr.id);
    const enabledBy = request ? gh.world.users.get(request.userId) : undefined;
    return {
      id: nodeId('PR', mr.id),
      number: mr.iid,
      title: mr.title,
      url: `${gh.web()}/${project.path}/pull/${mr.iid}`,
      state: mr.state === 'opened' ? 'OPEN' : mr.state === 'merged' ? 'MERGED' : 'CLOSED',
      merged: mr.state === 'merged',
      headRefName: mr.sourceBranch,
      headRefOid: state.headSha,
      baseRefName: mr.targetBranch,
      mergeable: state.mergeable === null ? 'UNKNOWN' : state.mergeable ? 'MERGEABLE' : 'CONFLICTING',
      mergeStateStatus: state.status.toUpperCase(),
      autoMergeRequest: request
        ? {
            enabledAt: ghTime(request.enabledAt),
            enabledBy: enabledBy ? { login: enabledBy.username } : null,
            mergeMethod: request.method.toUpperCase(),
            commitHeadline: request.commitTitle,
            commitBody: request.commitMessage,
          }
        : null,
      viewerCanEnableAutoMerge: project.allowAutoMerge && !request && state.status === 'blocked',
      viewerCanDisableAutoMerge: Boolean(request),
    };
  }

  function pullById(id: GqlValue | undefined): { project: SimProject; mr: SimMergeRequest } {
    const parsed = typeof id === 'string' ? parseNodeId(id) : null;
    const mr =
      parsed?.kind === 'PR' ? gh.world.mergeRequests.find((m) => m.id === Number(parsed.id)) : undefined;
    const project = mr ? gh.world.projects.get(mr.projectId) : undefined;
    if (!mr || !project || project.forge !== 'github')
      throw new GqlFailure('NOT_FOUND', `Could not resolve to a node with the global id of '${String(id)}'`);
    return { project, mr };
  }

  gh.add(
    'POST',
    '/graphql',
    async (req) => {
      const user = req.user;
      if (!user)
        throw new GhError(401, 'This endpoint requires you to be authenticated.', {
          documentation_url:
            'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
        });
      const query = typeof req.body.query === 'string' ? req.body.query : '';
      const variables = (
        req.body.variables && typeof req.body.variables === 'object' ? req.body.variables : {}
      ) as Record<string, unknown>;
      const errors: GqlError[] = [];
      const data: Record<string, unknown> = {};

      const mutation = async (field: string, run: (input: Record<string, GqlValue>) => Promise<unknown>) => {
        const at = findField(query, field);
        if (!at) return false;
        try {
          const input = obj(parseArguments(query, at.args, variables).input);
          data[field] = await run(input);
        } catch (error) {
          if (error instanceof GqlFailure) {
            data[field] = null;
            errors.push({
              type: error.type,
              path: [field],
              locations: [{ line: at.line, column: at.column }],
              message: error.message,
            });
          } else if (error instanceof GqlSyntaxError) {
            errors.push({
              message: `Parse error: ${error.message}`,
              locations: [{ line: at.line, column: at.column }],
            });
          } else throw error;
        }
        return true;
      };

      const checkAccess = (project: SimProject, operation: string) => {
        if (accessLevel(gh, user, project) < 30)
          throw new GqlFailure(
            accessLevel(gh, user, project) > 0 ? 'FORBIDDEN' : 'NOT_FOUND',
            `${user.username} does not have the correct permissions to execute \`${operation}\``,
          );
      };

      const handled =
        (await mutation('enablePullRequestAutoMerge', async (input) => {
          const { project, mr } = pullById(input.pullRequestId);
          checkAccess(project, 'EnablePullRequestAutoMerge');
          if (!project.allowAutoMerge)
            throw new GqlFailure(
              'UNPROCESSABLE',
              'Pull request Auto merge is not allowed for this repository',
            );
          if (mr.state !== 'opened')
            throw new GqlFailure('UNPROCESSABLE', 'Pull request Pull request is closed');
          const method = METHODS[String(input.mergeMethod ?? 'MERGE')];
          if (!method) throw new GqlFailure('INVALID', `Invalid merge method ${String(input.mergeMethod)}`);
          const settings = repoSettings(gh.world, project);
          const allowed = {
            merge: settings.allowMergeCommit,
            squash: settings.allowSquashMerge,
            rebase: settings.allowRebaseMerge,
          };
          if (!allowed[method])
            throw new GqlFailure(
              'UNPROCESSABLE',
              `Pull request ${method} merges are not allowed on this repository`,
            );
          const state = await mergeState(gh, project, mr);
          if (typeof input.expectedHeadOid === 'string' && input.expectedHeadOid !== state.headSha)
            throw new GqlFailure(
              'UNPROCESSABLE',
              'Head branch was modified. Review and try the merge again.',
            );
          const existing = gh.state.autoMerge.get(mr.id);
          // GitHub only queues a PR that has something to wait for; a clean or unstable PR must be merged directly.
          if (!existing && state.status !== 'blocked')
            throw new GqlFailure('UNPROCESSABLE', `Pull request Pull request is in ${state.status} status`);
          gh.state.autoMerge.set(mr.id, {
            userId: user.id,
            method,
            enabledAt: existing?.enabledAt ?? gh.world.nowIso(),
            commitTitle: typeof input.commitHeadline === 'string' ? input.commitHeadline : null,
            commitMessage: typeof input.commitBody === 'string' ? input.commitBody : null,
          });
          mr.updatedAt = gh.world.nowIso();
          await onChange();
          return {
            clientMutationId: input.clientMutationId ?? null,
            actor: { login: user.username },
            pullRequest: await pullGraph(project, mr),
          };
        })) ||
        (await mutation('disablePullRequestAutoMerge', async (input) => {
          const { project, mr } = pullById(input.pullRequestId);
          checkAccess(project, 'DisablePullRequestAutoMerge');
          if (!gh.state.autoMerge.delete(mr.id))
            throw new GqlFailure(
              'UNPROCESSABLE',
              'Pull request Auto merge is not enabled for this pull request',
            );
          return {
            clientMutationId: input.clientMutationId ?? null,
            actor: { login: user.username },
            pullRequest: await pullGraph(project, mr),
          };
        }));

      if (!handled) {
        const repoAt = findField(query, 'repository');
        const prAt = findField(query, 'pullRequest');
        if (!repoAt || !prAt) {
          const field = /\{\s*([_A-Za-z]\w*)/.exec(query)?.[1] ?? 'unknown';
          return ok({
            errors: [
              {
                path: ['query', field],
                extensions: { code: 'undefinedField', typeName: 'Query', fieldName: field },
                locations: [{ line: 1, column: 1 }],
                message: `Field '${field}' doesn't exist on type 'Query' (not simulated)`,
              },
            ],
          });
        }
        try {
          const repoArgs = parseArguments(query, repoAt.args, variables);
          const prArgs = parseArguments(query, prAt.args, variables);
          const project = gh.world.findProject(
            'github',
            `${String(repoArgs.owner)}/${String(repoArgs.name)}`,
          );
          if (!project || accessLevel(gh, user, project) === 0) {
            data.repository = null;
            errors.push({
              type: 'NOT_FOUND',
              path: ['repository'],
              locations: [{ line: repoAt.line, column: repoAt.column }],
              message: `Could not resolve to a Repository with the name '${String(repoArgs.owner)}/${String(repoArgs.name)}'.`,
            });
          } else {
            const mr = gh.world.mergeRequests.find(
              (m) => m.projectId === project.id && m.iid === Number(prArgs.number),
            );
            if (!mr) {
              data.repository = { pullRequest: null };
              errors.push({
                type: 'NOT_FOUND',
                path: ['repository', 'pullRequest'],
                locations: [{ line: prAt.line, column: prAt.column }],
                message: `Could not resolve to a PullRequest with the number of ${String(prArgs.number)}.`,
              });
            } else {
              data.repository = { pullRequest: await pullGraph(project, mr) };
            }
          }
        } catch (error) {
          if (error instanceof GqlSyntaxError) errors.push({ message: `Parse error: ${error.message}` });
          else if (error instanceof SimError) throw error;
          else throw error;
        }
      }
      return ok(errors.length > 0 ? { data, errors } : { data });
    },
    { anonymous: true },
  );
}
