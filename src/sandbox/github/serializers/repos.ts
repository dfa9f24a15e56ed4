import type { SimProject, SimUser } from '../../core/model.js';
import { accessLevel, ghTime, nodeId, permissions, type Gh } from '../context.js';
import { repoSettings } from '../state.js';
import { ownerJson } from './users.js';

export function repoUrl(gh: Gh, project: SimProject): string {
  return `${gh.api()}/repos/${project.path}`;
}

export function repoHtml(gh: Gh, project: SimProject): string {
  return `${gh.web()}/${project.path}`;
}

/** A full repository as GET /repos/{owner}/{repo} answers it (permissions when authenticated). */
export function repoJson(gh: Gh, project: SimProject, viewer: SimUser | null): Record<string, unknown> {
  const url = repoUrl(gh, project);
  const settings = repoSettings(gh.world, project);
  const openIssues =
    gh.world.issues.filter((i) => i.projectId === project.id && i.state === 'opened').length +
    gh.world.mergeRequests.filter((m) => m.projectId === project.id && m.state === 'opened').length;
  const created = ghTime(project.createdAt);
  return {
    id: project.id,
    node_id: nodeId('R', project.id),
    name: project.name,
    full_name: project.path,
    private: project.visibility !== 'public',
    owner: ownerJson(gh, project),
    html_url: repoHtml(gh, project),
    description: project.description || null,
    fork: false,
    url,
    branches_url: `${url}/branches{/branch}`,
    commits_url: `${url}/commits{/sha}`,
    contents_url: `${url}/contents/{+path}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    issues_url: `${url}/issues{/number}`,
    labels_url: `${url}/labels{/name}`,
    milestones_url: `${url}/milestones{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    statuses_url: `${url}/statuses/{sha}`,
    deployments_url: `${url}/deployments`,
    created_at: created,
    updated_at: created,
    pushed_at: created,
    git_url: `${repoHtml(gh, project)}.git`,
    clone_url: `${repoHtml(gh, project)}.git`,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: settings.hasIssues,
    has_projects: false,
    has_downloads: true,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    archived: project.archived,
    disabled: false,
    open_issues_count: openIssues,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: project.visibility === 'internal' ? 'internal' : project.visibility,
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
    default_branch: project.defaultBranch,
    ...(viewer ? { permissions: permissions(accessLevel(gh, viewer, project)) } : {}),
    allow_squash_merge: settings.allowSquashMerge,
    allow_merge_commit: settings.allowMergeCommit,
    allow_rebase_merge: settings.allowRebaseMerge,
    allow_auto_merge: project.allowAutoMerge,
    delete_branch_on_merge: settings.deleteBranchOnMerge,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    merge_commit_title: 'MERGE_MESSAGE',
    merge_commit_message: 'PR_TITLE',
    network_count: 0,
    subscribers_count: 0,
  };
}
