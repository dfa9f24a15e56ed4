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

/** The URL templates every repository shape carries. */
function repoUrls(gh: Gh, project: SimProject): Record<string, string> {
  const url = repoUrl(gh, project);
  return {
    forks_url: `${url}/forks`,
    keys_url: `${url}/keys{/key_id}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: `${url}/issues/events{/number}`,
    events_url: `${url}/events`,
    assignees_url: `${url}/assignees{/user}`,
    branches_url: `${url}/branches{/branch}`,
    tags_url: `${url}/tags`,
    blobs_url: `${url}/git/blobs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    trees_url: `${url}/git/trees{/sha}`,
    statuses_url: `${url}/statuses/{sha}`,
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: `${url}/commits{/sha}`,
    git_commits_url: `${url}/git/commits{/sha}`,
    comments_url: `${url}/comments{/number}`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    contents_url: `${url}/contents/{+path}`,
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: `${url}/issues{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: `${url}/labels{/name}`,
    releases_url: `${url}/releases{/id}`,
    deployments_url: `${url}/deployments`,
  };
}

/**
 * The "minimal repository" GitHub nests in workflow runs and combined statuses: identity, owner
 * and URL templates, none of the settings.
 */
export function minimalRepoJson(gh: Gh, project: SimProject): Record<string, unknown> {
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
    url: repoUrl(gh, project),
    ...repoUrls(gh, project),
  };
}

/** The "repository" GitHub nests in pull requests' head and base (permissions when authenticated). */
export function repoJson(gh: Gh, project: SimProject, viewer: SimUser | null): Record<string, unknown> {
  const settings = repoSettings(gh.world, project);
  const openIssues =
    gh.world.issues.filter((i) => i.projectId === project.id && i.state === 'opened').length +
    gh.world.mergeRequests.filter((m) => m.projectId === project.id && m.state === 'opened').length;
  const created = ghTime(project.createdAt);
  const html = repoHtml(gh, project);
  return {
    ...minimalRepoJson(gh, project),
    created_at: created,
    updated_at: created,
    pushed_at: created,
    git_url: `${html.replace(/^https?:/, 'git:')}.git`,
    ssh_url: `git@${new URL(html).host}:${project.path}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    mirror_url: null,
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
  };
}

/** A full repository as GET /repos/{owner}/{repo} answers it: the nested shape plus counts. */
export function fullRepoJson(gh: Gh, project: SimProject, viewer: SimUser | null): Record<string, unknown> {
  return { ...repoJson(gh, project, viewer), network_count: 0, subscribers_count: 0 };
}
