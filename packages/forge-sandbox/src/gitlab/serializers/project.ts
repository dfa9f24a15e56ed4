import type { SimProject } from '../../core/model.js';
import type { Gitlab } from '../context.js';

export function projectUrl(gl: Gitlab, project: SimProject): string {
  return `${gl.web()}/${project.path}`;
}

/** GitLab `Project` entity (the fields clients rely on). */
export function projectEntity(gl: Gitlab, project: SimProject, accessLevel: number): Record<string, unknown> {
  const web = projectUrl(gl, project);
  const host = new URL(gl.web()).host;
  const namespacePath = project.namespace || project.path;
  return {
    id: project.id,
    description: project.description,
    name: project.name,
    name_with_namespace: project.path.split('/').join(' / '),
    path: project.path.split('/').pop(),
    path_with_namespace: project.path,
    created_at: project.createdAt,
    default_branch: project.defaultBranch,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: `git@${host}:${project.path}.git`,
    http_url_to_repo: `${web}.git`,
    web_url: web,
    readme_url: `${web}/-/blob/${project.defaultBranch}/README.md`,
    avatar_url: null,
    forks_count: 0,
    star_count: 0,
    last_activity_at: project.createdAt,
    namespace: {
      id: hashId(namespacePath),
      name: namespacePath.split('/').pop(),
      path: namespacePath.split('/').pop(),
      kind: 'group',
      full_path: namespacePath,
      parent_id: null,
      avatar_url: null,
      web_url: `${gl.web()}/groups/${namespacePath}`,
    },
    _links: {
      self: `${gl.web()}/api/v4/projects/${project.id}`,
      issues: `${gl.web()}/api/v4/projects/${project.id}/issues`,
      merge_requests: `${gl.web()}/api/v4/projects/${project.id}/merge_requests`,
      repo_branches: `${gl.web()}/api/v4/projects/${project.id}/repository/branches`,
      labels: `${gl.web()}/api/v4/projects/${project.id}/labels`,
      events: `${gl.web()}/api/v4/projects/${project.id}/events`,
      members: `${gl.web()}/api/v4/projects/${project.id}/members`,
    },
    empty_repo: false,
    archived: project.archived,
    visibility: project.visibility,
    resolve_outdated_diff_discussions: false,
    container_registry_enabled: false,
    issues_enabled: true,
    merge_requests_enabled: true,
    wiki_enabled: false,
    jobs_enabled: true,
    snippets_enabled: false,
    packages_enabled: true,
    issues_access_level: 'enabled',
    repository_access_level: 'enabled',
    merge_requests_access_level: 'enabled',
    builds_access_level: 'enabled',
    shared_runners_enabled: true,
    creator_id: [...project.members.keys()][0] ?? null,
    import_status: 'none',
    open_issues_count: gl.world.issues.filter((i) => i.projectId === project.id && i.state === 'opened')
      .length,
    ci_default_git_depth: 20,
    public_jobs: true,
    only_allow_merge_if_pipeline_succeeds: project.pipelineMustSucceed,
    allow_merge_on_skipped_pipeline: null,
    only_allow_merge_if_all_discussions_are_resolved: false,
    remove_source_branch_after_merge: true,
    request_access_enabled: true,
    merge_method: 'merge',
    squash_option: 'default_off',
    auto_devops_enabled: false,
    approvals_before_merge: project.approvalsRequired,
    merge_pipelines_enabled: false,
    merge_trains_enabled: false,
    permissions: {
      project_access: accessLevel > 0 ? { access_level: accessLevel, notification_level: 3 } : null,
      group_access: null,
    },
  };
}

/** A stable small id for things the world does not number (namespaces). */
export function hashId(text: string): number {
  let h = 0;
  for (const ch of text) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return (Math.abs(h) % 900_000) + 100_000;
}
