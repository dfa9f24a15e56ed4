import type { CommitFilesInput, FileAction, RepoApi } from '../types.js';
import { ForgeError } from '../../errors.js';
import type { GitlabClient } from './client.js';
import { reasonOf } from './errors.js';
import { pushBranch } from './git-push.js';
import { toBranch, toChangedFile, toCommit } from './map.js';

type Json = Record<string, unknown>;

const SHA = /^[0-9a-f]{40}$/;
const GITLAB_PAGE_MAX = 100;

function toAction(a: FileAction) {
  return a.action === 'delete'
    ? { action: 'delete' as const, filePath: a.path }
    : { action: a.action, filePath: a.path, content: a.content };
}

export function createRepoApi(client: GitlabClient): RepoApi {
  const { api } = client;

  const repo: RepoApi = {
    async getProject(project) {
      const p = (await api.Projects.show(project)) as unknown as Json;
      return {
        id: Number(p.id),
        path: String(p.path_with_namespace),
        defaultBranch: String(p.default_branch),
        webUrl: String(p.web_url),
        allowAutoMerge: true,
      };
    },

    async getBranch(project, branch) {
      const b = await client.find(() => api.Branches.show(project, branch));
      return b ? toBranch(b as unknown as Json) : null;
    },

    /** `search=^prefix` is a case-insensitive match on GitLab; the prefix is kept exact here. */
    async listBranches(project, { prefix, limit = GITLAB_PAGE_MAX }) {
      const perPage = Math.min(Math.max(limit, 1), GITLAB_PAGE_MAX);
      const branches = await api.Branches.all(project, {
        search: `^${prefix}`,
        perPage,
        maxPages: Math.ceil(limit / perPage),
      } as never);
      return (branches as unknown as Json[])
        .map(toBranch)
        .filter((b) => b.name.startsWith(prefix))
        .slice(0, limit)
        .map(({ name, sha }) => ({ name, sha }));
    },

    async createBranch(project, branch, ref) {
      client.write(`create branch ${branch} in ${project}`);
      return toBranch((await api.Branches.create(project, branch, ref)) as unknown as Json);
    },

    /** The branch's `protected` flag covers wildcard rules; `protected_branches/:name` only an exact one. */
    async getBranchProtection(project, branch) {
      const b = await repo.getBranch(project, branch);
      if (!b) return null;
      const settingsUrl = `${client.webUrl}/${project}/-/settings/repository#js-protected-branches-settings`;
      const rule = b.protected
        ? ((await client
            .find(() => api.ProtectedBranches.show(project, branch))
            // Reading rules may need more than the bot's role: protected, rule unknown.
            .catch((error: unknown) => {
              if (error instanceof ForgeError && error.status === 403) return null;
              throw error;
            })) as Json | null)
        : null;
      const levels = (rule?.push_access_levels as Json[] | undefined) ?? [];
      return {
        protected: b.protected,
        rule: rule
          ? {
              name: String(rule.name),
              pushAccess: levels.length
                ? levels.map((l) => String(l.access_level_description ?? l.access_level)).join(', ')
                : 'No one',
              forcePush: rule.allow_force_push === true,
              requiredChecks: [],
            }
          : null,
        settingsUrl,
      };
    },

    async deleteBranch(project, branch) {
      client.write(`delete branch ${branch} in ${project}`);
      // Already gone is what the caller wanted.
      await client.find(() => api.Branches.remove(project, branch));
    },

    async updateBranch(project, branch, sha, options = {}) {
      client.write(`move branch ${branch} in ${project} to ${sha}`);
      await pushBranch(client, project, branch, sha, options.force ?? false);
      const moved = await repo.getBranch(project, branch);
      if (!moved)
        throw new ForgeError(`${client.forge}: ${branch} vanished after the push`, 404, client.forge);
      return moved;
    },

    async listCommits(project, ref, options = {}) {
      const limit = options.limit ?? GITLAB_PAGE_MAX;
      const perPage = Math.min(limit, GITLAB_PAGE_MAX);
      const commits = await api.Commits.all(project, {
        refName: ref,
        perPage,
        maxPages: Math.ceil(limit / perPage),
      });
      return (commits as unknown as Json[]).slice(0, limit).map(toCommit);
    },

    async getCommit(project, ref) {
      const c = await client.find(() => api.Commits.show(project, ref));
      return c ? toCommit(c as unknown as Json) : null;
    },

    /**
     * Two compares: `from...to` for the commits and files, `to...from` for what `from` has that
     * `to` lacks (0 means a fast-forward from `from` to `to` is possible).
     */
    async compare(project, from, to) {
      // Independent reads: asked together, one round trip on the caller's critical path.
      const [forward, back] = (await Promise.all([
        api.Repositories.compare(project, from, to),
        api.Repositories.compare(project, to, from),
      ])) as unknown as [Json, Json];
      const behindBy = ((back.commits as Json[] | undefined) ?? []).length;
      return {
        commits: ((forward.commits as Json[] | undefined) ?? []).map(toCommit),
        files: ((forward.diffs as Json[] | undefined) ?? []).map(toChangedFile),
        compareTimeout: Boolean(forward.compare_timeout),
        fastForward: behindBy === 0,
        behindBy,
        webUrl: String(forward.web_url ?? ''),
      };
    },

    async getFile(project, path, ref) {
      const f = (await client.find(() => api.RepositoryFiles.show(project, path, ref))) as Json | null;
      if (!f) return null;
      return {
        // The answer's own path, so answers.ts can check it is the file asked for.
        path: String(f.file_path ?? ''),
        ref,
        content: Buffer.from(
          String(f.content),
          (f.encoding as BufferEncoding | undefined) ?? 'base64',
        ).toString('utf8'),
        blobSha: String(f.blob_id),
      };
    },

    /**
     * GitLab's start_branch/start_sha only create (or, with force, reset) the branch: on an
     * existing branch without force GitLab answers 400, and the commit goes on top instead.
     */
    async commitFiles(project, input: CommitFilesInput) {
      client.write(`commit to ${input.branch} in ${project}`);
      const actions = input.actions.map(toAction);
      const start =
        input.startFrom === undefined
          ? {}
          : SHA.test(input.startFrom)
            ? { startSha: input.startFrom }
            : { startBranch: input.startFrom };
      const create = (extra: Json) =>
        api.Commits.create(project, input.branch, input.message, actions, {
          ...extra,
          ...(input.force ? { force: true } : {}),
        });
      try {
        return toCommit((await create(start)) as unknown as Json);
      } catch (error) {
        const exists =
          error instanceof ForgeError &&
          error.status === 400 &&
          input.startFrom !== undefined &&
          !input.force &&
          /already exists\. Switch to that branch/.test(reasonOf(error));
        if (!exists) throw error;
        return toCommit((await create({})) as unknown as Json);
      }
    },
  };
  return repo;
}
