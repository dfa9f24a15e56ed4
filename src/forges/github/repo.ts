import { ForgeError } from '../../errors.js';
import type {
  Branch,
  ChangedFile,
  CommitFilesInput,
  CompareResult,
  FileContent,
  ForgeProject,
  RepoApi,
} from '../types.js';
import type { GithubClient } from './client.js';
import { isStatus } from './errors.js';
import { gitCommitToCommit, toCommit } from './map.js';
import type {
  GhBranch,
  GhCommit,
  GhCompare,
  GhContent,
  GhFile,
  GhGitCommit,
  GhProtection,
  GhRef,
  GhRepo,
} from './wire.js';

function toChangedFile(f: GhFile): ChangedFile {
  return {
    path: f.filename,
    oldPath: f.previous_filename ?? f.filename,
    newFile: f.status === 'added',
    deletedFile: f.status === 'removed',
    renamedFile: f.status === 'renamed',
  };
}

/** 422 "No commit found for SHA" is GitHub's "not found" for a ref. */
const noCommit = (error: unknown) => isStatus(error, 422);

export function createRepoApi(gh: GithubClient): RepoApi {
  function toBranch(project: string, b: GhBranch): Branch {
    return {
      name: b.name,
      sha: b.commit.sha,
      protected: b.protected,
      webUrl: `${gh.webUrl}/${project}/tree/${b.name}`,
    };
  }

  async function getBranch(project: string, branch: string): Promise<Branch | null> {
    const b = await gh.find<GhBranch>('GET /repos/{owner}/{repo}/branches/{branch}', {
      ...gh.repo(project),
      branch,
    });
    return b ? toBranch(project, b) : null;
  }

  /** A branch, tag or sha → full sha (one request, `Accept: application/vnd.github.sha`). */
  async function resolve(project: string, ref: string): Promise<string | null> {
    if (/^[0-9a-f]{40}$/.test(ref)) return ref;
    const sha = await gh.find<string>(
      'GET /repos/{owner}/{repo}/commits/{ref}',
      { ...gh.repo(project), ref, mediaType: { format: 'sha' } },
      noCommit,
    );
    return sha ? String(sha).trim() : null;
  }

  async function branchSha(project: string, branch: string): Promise<string | null> {
    const ref = await gh.find<GhRef>('GET /repos/{owner}/{repo}/git/ref/{ref}', {
      ...gh.repo(project),
      ref: `heads/${branch}`,
    });
    return ref?.object.sha ?? null;
  }

  const api: RepoApi = {
    async getProject(project) {
      const r = await gh.request<GhRepo>('GET /repos/{owner}/{repo}', gh.repo(project));
      const result: ForgeProject = {
        id: r.id,
        path: r.full_name,
        defaultBranch: r.default_branch,
        webUrl: r.html_url,
        allowAutoMerge: r.allow_auto_merge ?? false,
      };
      return result;
    },

    getBranch,

    async listBranches(project, { prefix, limit = 100 }) {
      const refs = await gh.request<GhRef[]>('GET /repos/{owner}/{repo}/git/matching-refs/{ref}', {
        ...gh.repo(project),
        ref: `heads/${prefix}`,
      });
      return refs
        .map((r) => ({ name: r.ref.replace(/^refs\/heads\//, ''), sha: r.object.sha }))
        .slice(0, limit);
    },

    async createBranch(project, branch, ref) {
      gh.write(`create branch ${branch}`);
      const sha = await resolve(project, ref);
      if (!sha) throw new ForgeError(`${gh.forge}: ref ${ref} not found in ${project}`, 404, gh.forge);
      await gh.request('POST /repos/{owner}/{repo}/git/refs', {
        ...gh.repo(project),
        ref: `refs/heads/${branch}`,
        sha,
      });
      // Read back: the caller verifies the move with it (a write answering ok is not proof).
      const moved = await getBranch(project, branch);
      if (!moved) throw new ForgeError(`${gh.forge}: ${branch} vanished after the update`, 404, gh.forge);
      return moved;
    },

    /**
     * "Get a branch" says whether it is protected (rules and patterns alike); the rule itself
     * needs admin rights (404 or 403 without), and 404 "Branch not protected" when there is none.
     */
    async getBranchProtection(project, branch) {
      const b = await gh.find<GhBranch>('GET /repos/{owner}/{repo}/branches/{branch}', {
        ...gh.repo(project),
        branch,
      });
      if (!b) return null;
      const settingsUrl = `${gh.webUrl}/${project}/settings/branches`;
      if (!b.protected) return { protected: false, rule: null, settingsUrl };
      const rule = await gh.find<GhProtection>(
        'GET /repos/{owner}/{repo}/branches/{branch}/protection',
        { ...gh.repo(project), branch },
        (error) => isStatus(error, 403),
      );
      const restrictions = rule?.restrictions;
      return {
        protected: true,
        rule: rule
          ? {
              name: branch,
              pushAccess: restrictions
                ? `restricted to ${
                    [
                      ...restrictions.users.map((u) => u.login),
                      ...restrictions.teams.map((t) => t.slug),
                      ...(restrictions.apps ?? []).map((a) => a.slug ?? ''),
                    ]
                      .filter(Boolean)
                      .join(', ') || 'no one'
                  }`
                : 'anyone with write access',
              forcePush: rule.allow_force_pushes?.enabled === true,
              requiredChecks: rule.required_status_checks?.contexts ?? [],
            }
          : null,
        settingsUrl,
      };
    },

    async deleteBranch(project, branch) {
      gh.write(`delete branch ${branch}`);
      try {
        await gh.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', {
          ...gh.repo(project),
          ref: `heads/${branch}`,
        });
      } catch (error) {
        // Already gone is what the caller wanted.
        if (!(isStatus(error, 422, 404) && /does not exist|not found/i.test((error as Error).message)))
          throw error;
      }
    },

    async updateBranch(project, branch, sha, options = {}) {
      gh.write(`move branch ${branch}`);
      const ref = await gh.request<{ object?: { sha?: string } }>(
        'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
        {
          ...gh.repo(project),
          ref: `heads/${branch}`,
          sha,
          force: options.force ?? false,
        },
      );
      // Read back: the caller verifies the move with it (a write answering ok is not proof). A
      // read that does not see the branch yet (a replica behind the write) falls back to what the
      // update's own answer says the ref now is — not to the sha we asked for.
      return (
        (await getBranch(project, branch)) ?? {
          name: branch,
          sha: ref.object?.sha ?? '',
          protected: false,
          webUrl: `${gh.webUrl}/${project}/tree/${branch}`,
        }
      );
    },

    async listCommits(project, ref, options = {}) {
      const limit = options.limit ?? 20;
      const commits = await gh.paginate<GhCommit>(
        'GET /repos/{owner}/{repo}/commits',
        { ...gh.repo(project), sha: ref, per_page: Math.min(100, limit) },
        limit,
      );
      return commits.map(toCommit);
    },

    async getCommit(project, ref) {
      const c = await gh.find<GhCommit>(
        'GET /repos/{owner}/{repo}/commits/{ref}',
        { ...gh.repo(project), ref },
        noCommit,
      );
      return c ? toCommit(c) : null;
    },

    async compare(project, from, to) {
      const params = { ...gh.repo(project), basehead: `${from}...${to}`, per_page: 100 };
      const first = await gh.request<GhCompare>('GET /repos/{owner}/{repo}/compare/{basehead}', params);
      const commits = [...first.commits];
      // Commits beyond the first page come page by page; files only on the first.
      for (let page = 2; commits.length < first.total_commits && page <= 50; page++) {
        const next = await gh.request<GhCompare>('GET /repos/{owner}/{repo}/compare/{basehead}', {
          ...params,
          page,
        });
        if (next.commits.length === 0) break;
        commits.push(...next.commits);
      }
      const result: CompareResult = {
        commits: commits.map(toCommit),
        files: (first.files ?? []).map(toChangedFile),
        compareTimeout: false,
        fastForward: first.status === 'ahead' || first.status === 'identical',
        behindBy: first.behind_by,
        webUrl: first.html_url,
      };
      return result;
    },

    async getFile(project, path, ref) {
      const c = await gh.find<GhContent | GhContent[]>('GET /repos/{owner}/{repo}/contents/{path}', {
        ...gh.repo(project),
        path,
        ref,
      });
      if (!c || Array.isArray(c) || c.type !== 'file') return null;
      const result: FileContent = {
        path: c.path,
        ref,
        content: Buffer.from(c.content ?? '', (c.encoding ?? 'base64') as BufferEncoding).toString('utf8'),
        blobSha: c.sha,
      };
      return result;
    },

    async commitFiles(project, input: CommitFilesInput) {
      gh.write(`commit to ${input.branch}`);
      const repo = gh.repo(project);
      const current = await branchSha(project, input.branch);
      let parent = current;
      if (input.startFrom !== undefined && (current === null || input.force)) {
        parent = await resolve(project, input.startFrom);
        if (!parent)
          throw new ForgeError(
            `${gh.forge}: start ref ${input.startFrom} not found in ${project}`,
            404,
            gh.forge,
          );
      }
      if (!parent)
        throw new ForgeError(
          `${gh.forge}: branch ${input.branch} does not exist and no startFrom was given`,
          404,
          gh.forge,
        );
      const base = await gh.request<GhGitCommit>('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', {
        ...repo,
        commit_sha: parent,
      });
      // Text content goes inline in the tree entries: one request instead of one blob per file.
      const tree = await gh.request<{ sha: string }>('POST /repos/{owner}/{repo}/git/trees', {
        ...repo,
        base_tree: base.tree.sha,
        tree: input.actions.map((a) =>
          a.action === 'delete'
            ? { path: a.path, mode: '100644', type: 'blob', sha: null }
            : { path: a.path, mode: '100644', type: 'blob', content: a.content },
        ),
      });
      const commit = await gh.request<GhGitCommit>('POST /repos/{owner}/{repo}/git/commits', {
        ...repo,
        message: input.message,
        tree: tree.sha,
        parents: [parent],
      });
      if (current === null) {
        await gh.request('POST /repos/{owner}/{repo}/git/refs', {
          ...repo,
          ref: `refs/heads/${input.branch}`,
          sha: commit.sha,
        });
      } else {
        // Without force a concurrent push makes this a 422 "not a fast forward" (NotFastForwardError).
        await gh.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
          ...repo,
          ref: `heads/${input.branch}`,
          sha: commit.sha,
          force: input.force ?? false,
        });
      }
      return gitCommitToCommit(commit);
    },
  };
  return api;
}
