import { knownValue } from '../answer-error.js';
import type { ChangeRequest, Commit, Issue, Note } from '../types.js';
import type { GhComment, GhCommit, GhGitCommit, GhIssue, GhLabel, GhPull } from './wire.js';

/** GitHub shapes → the Forge interface's. */

export function labelNames(labels: (GhLabel | string)[]): string[] {
  return labels.map((l) => (typeof l === 'string' ? l : l.name));
}

export function toCommit(c: GhCommit): Commit {
  const message = c.commit.message;
  return {
    sha: c.sha,
    shortSha: c.sha.slice(0, 7),
    title: message.split('\n')[0] ?? '',
    message,
    authorName: c.commit.author?.name ?? '',
    authorEmail: c.commit.author?.email ?? '',
    createdAt: c.commit.committer?.date ?? c.commit.author?.date ?? '',
    parentShas: c.parents.map((p) => p.sha),
    webUrl: c.html_url,
    ...(c.author !== undefined ? { authorUsername: c.author?.login ?? null } : {}),
  };
}

export function gitCommitToCommit(c: GhGitCommit): Commit {
  return {
    sha: c.sha,
    shortSha: c.sha.slice(0, 7),
    title: c.message.split('\n')[0] ?? '',
    message: c.message,
    authorName: c.author.name ?? '',
    authorEmail: c.author.email ?? '',
    createdAt: c.committer.date ?? c.author.date ?? '',
    parentShas: c.parents.map((p) => p.sha),
    webUrl: c.html_url,
  };
}

export function toChangeRequest(p: GhPull): ChangeRequest {
  return {
    id: p.id,
    iid: p.number,
    title: p.title,
    description: p.body ?? '',
    // A state GitHub does not document is refused, not guessed (answers.ts names the operation).
    state: p.merged_at
      ? 'merged'
      : knownValue('state', p.state, ['open', 'closed']) === 'open'
        ? 'opened'
        : 'closed',
    sourceBranch: p.head.ref,
    targetBranch: p.base.ref,
    headSha: p.head.sha,
    webUrl: p.html_url,
    labels: labelNames(p.labels),
    author: p.user?.login ?? '',
    createdAt: p.created_at,
    updatedAt: p.updated_at,
    mergedAt: p.merged_at,
    // Before the merge GitHub puts its test merge commit here: only a merged PR's counts.
    mergeCommitSha: p.merged_at ? (p.merge_commit_sha ?? null) : null,
    autoMerge: p.auto_merge !== null && p.auto_merge !== undefined,
    mergeable: p.mergeable ?? null,
    // head.repo is null when the fork was deleted: still not ours.
    ...(p.base.repo && p.head.repo !== undefined
      ? { fromFork: p.head.repo?.full_name.toLowerCase() !== p.base.repo.full_name.toLowerCase() }
      : {}),
  };
}

export function toIssue(i: GhIssue): Issue {
  return {
    id: i.id,
    iid: i.number,
    title: i.title,
    description: i.body ?? '',
    state: knownValue('state', i.state, ['open', 'closed']) === 'open' ? 'opened' : 'closed',
    labels: labelNames(i.labels),
    author: i.user?.login ?? '',
    webUrl: i.html_url,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
  };
}

export function toNote(c: GhComment): Note {
  return {
    id: c.id,
    body: c.body ?? '',
    author: c.user?.login ?? '',
    createdAt: c.created_at,
    system: false,
    ...(c.updated_at ? { updatedAt: c.updated_at } : {}),
  };
}
