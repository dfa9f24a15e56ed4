import type { SimProject } from '../../core/model.js';
import { ghTime, nodeId, type Gh } from '../context.js';
import { commitDetail, type CommitDetail, type FileStat, type GitIdentity } from '../git-objects.js';
import { repoHtml, repoUrl } from './repos.js';
import { simpleUser, userByEmail } from './users.js';

/** A commit object, cached (objects never change). */
export async function loadCommit(gh: Gh, project: SimProject, ref: string): Promise<CommitDetail | null> {
  const key = `${project.repo.dir}:${ref}`;
  const hit = /^[0-9a-f]{40}$/.test(ref) ? gh.state.commits.get(key) : undefined;
  if (hit) return hit;
  const commit = await commitDetail(project.repo.dir, ref);
  if (commit) gh.state.commits.set(`${project.repo.dir}:${commit.sha}`, commit);
  return commit;
}

export function remember(gh: Gh, project: SimProject, commits: CommitDetail[]): void {
  for (const c of commits) gh.state.commits.set(`${project.repo.dir}:${c.sha}`, c);
}

export function identity(i: GitIdentity): Record<string, unknown> {
  return { name: i.name, email: i.email, date: ghTime(i.date) };
}

const UNSIGNED = { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null };

/** The Git Database API shape (POST/GET /git/commits). */
export function gitCommitJson(gh: Gh, project: SimProject, c: CommitDetail): Record<string, unknown> {
  const url = repoUrl(gh, project);
  return {
    sha: c.sha,
    node_id: nodeId('C', c.sha),
    url: `${url}/git/commits/${c.sha}`,
    html_url: `${repoHtml(gh, project)}/commit/${c.sha}`,
    author: identity(c.author),
    committer: identity(c.committer),
    tree: { sha: c.tree, url: `${url}/git/trees/${c.tree}` },
    message: c.message,
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${url}/git/commits/${p}`,
      html_url: `${repoHtml(gh, project)}/commit/${p}`,
    })),
    verification: UNSIGNED,
  };
}

export function fileJson(gh: Gh, project: SimProject, sha: string, f: FileStat): Record<string, unknown> {
  const url = repoUrl(gh, project);
  return {
    sha,
    filename: f.path,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    blob_url: `${repoHtml(gh, project)}/blob/${sha}/${f.path}`,
    raw_url: `${repoHtml(gh, project)}/raw/${sha}/${f.path}`,
    contents_url: `${url}/contents/${f.path}?ref=${sha}`,
    ...(f.previousPath ? { previous_filename: f.previousPath } : {}),
  };
}

/** The REST commit shape (GET /commits, /commits/{ref}, compare). */
export function commitJson(
  gh: Gh,
  project: SimProject,
  c: CommitDetail,
  files?: FileStat[],
): Record<string, unknown> {
  const url = repoUrl(gh, project);
  const html = repoHtml(gh, project);
  const author = userByEmail(gh, c.author.email);
  const committer = userByEmail(gh, c.committer.email);
  const body: Record<string, unknown> = {
    sha: c.sha,
    node_id: nodeId('C', c.sha),
    commit: {
      author: identity(c.author),
      committer: identity(c.committer),
      message: c.message,
      tree: { sha: c.tree, url: `${url}/git/trees/${c.tree}` },
      url: `${url}/git/commits/${c.sha}`,
      comment_count: 0,
      verification: UNSIGNED,
    },
    url: `${url}/commits/${c.sha}`,
    html_url: `${html}/commit/${c.sha}`,
    comments_url: `${url}/commits/${c.sha}/comments`,
    author: author ? simpleUser(gh, author) : null,
    committer: committer ? simpleUser(gh, committer) : null,
    parents: c.parents.map((p) => ({ sha: p, url: `${url}/commits/${p}`, html_url: `${html}/commit/${p}` })),
  };
  if (files) {
    const additions = files.reduce((n, f) => n + f.additions, 0);
    const deletions = files.reduce((n, f) => n + f.deletions, 0);
    body.stats = { total: additions + deletions, additions, deletions };
    body.files = files.map((f) => fileJson(gh, project, c.sha, f));
  }
  return body;
}
