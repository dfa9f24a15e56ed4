import type { GitCommit } from '../../core/git.js';
import type { SimProject } from '../../core/model.js';
import type { Gitlab } from '../context.js';
import { commitStats } from '../git-extra.js';
import { pipelineBasic } from './pipeline.js';
import { projectUrl } from './project.js';

export function shortSha(sha: string): string {
  return sha.slice(0, 8);
}

/** GitLab `Commit` entity (lists, branch heads, compare). */
export function commitBasic(gl: Gitlab, project: SimProject, c: GitCommit): Record<string, unknown> {
  return {
    id: c.sha,
    short_id: shortSha(c.sha),
    created_at: c.committedAt,
    parent_ids: c.parents,
    title: c.title,
    message: messageWithNewline(c.message),
    author_name: c.authorName,
    author_email: c.authorEmail,
    authored_date: c.authoredAt,
    committer_name: c.committerName,
    committer_email: c.committerEmail,
    committed_date: c.committedAt,
    trailers: {},
    extended_trailers: {},
    web_url: `${projectUrl(gl, project)}/-/commit/${c.sha}`,
  };
}

/** GitLab `CommitDetail`: adds stats, status and the last pipeline of the commit. */
export async function commitDetail(
  gl: Gitlab,
  project: SimProject,
  c: GitCommit,
): Promise<Record<string, unknown>> {
  const last = latestPipelineForSha(gl, project, c.sha);
  return {
    ...commitBasic(gl, project, c),
    stats: await commitStats(project.repo.dir, c.sha, c.parents[0]),
    status: last?.status ?? null,
    project_id: project.id,
    last_pipeline: last ? pipelineBasic(gl, last) : null,
  };
}

function latestPipelineForSha(gl: Gitlab, project: SimProject, sha: string) {
  let latest;
  for (const p of gl.world.pipelines)
    if (p.projectId === project.id && p.sha === sha && (!latest || p.id > latest.id)) latest = p;
  return latest;
}

/** Git strips the trailing newline; GitLab returns the raw message, which ends with one. */
function messageWithNewline(message: string): string {
  return message.endsWith('\n') ? message : `${message}\n`;
}
