/**
 * The GitLab answers that differ between versions, read from GitLab's own source (each row of
 * docs/dev/forge-behaviour.md names the file). The simulator answers like the configured version.
 */
export interface GitlabBehaviour {
  major: number;
  minor: number;
  /**
   * POST .../approve by a user who already approved: 401 from `unauthorized! unless success`
   * (ApprovalService refuses), 304 since `not_modified! if merge_request.approved_by?(current_user)`
   * (gitlab-org/gitlab!244481, in 18.x).
   */
  repeatApproval: 401 | 304;
  /**
   * Which auto-merge strategy `merge_when_pipeline_succeeds`/`auto_merge` gets (AutoMergeService):
   * - `mwps` (16): merge when pipeline succeeds, available only while the head pipeline is active.
   * - `mwcp-merge-when-mergeable` (17): merge when checks pass, available unless the MR is
   *   mergeable with no pipeline in progress; it merges as soon as the MR is `mergeable?`, which
   *   skips the pipeline when the project does not require pipelines to succeed.
   * - `mwcp-wait-for-pipeline` (18): same availability; `process` also waits for a successful
   *   head pipeline whenever the project has CI (`has_ci_enabled? && !diff_head_pipeline_success?`).
   */
  autoMerge: 'mwps' | 'mwcp-merge-when-mergeable' | 'mwcp-wait-for-pipeline';
  /**
   * PUT .../merge on an MR whose merge check fails (conflicts): 406 "Branch cannot be merged"
   * while `render_api_error!('Branch cannot be merged', 406)` guarded `mergeable?` (≤ 16); on 17+
   * conflicts are one of the mergeability checks, so `mergeable_state?` fails first: 405
   * (gitlab-org/gitlab#364102). A merge that fails inside MergeService answers 422 on 17+.
   */
  conflictStatus: 405 | 406;
  failedMergeStatus: 406 | 422;
}

export function parseGitlabVersion(version: number | string): { major: number; minor: number } {
  const m = /^(\d+)(?:\.(\d+))?/.exec(String(version).trim());
  if (!m) throw new Error(`gitlabVersion ${String(version)}: expected a major number or a semver string`);
  return { major: Number(m[1]), minor: Number(m[2] ?? 0) };
}

export function gitlabBehaviour(version: number | string = 18): GitlabBehaviour {
  const { major, minor } = parseGitlabVersion(version);
  return {
    major,
    minor,
    repeatApproval: major >= 18 ? 304 : 401,
    autoMerge: major <= 16 ? 'mwps' : major === 17 ? 'mwcp-merge-when-mergeable' : 'mwcp-wait-for-pipeline',
    conflictStatus: major <= 16 ? 406 : 405,
    failedMergeStatus: major <= 16 ? 406 : 422,
  };
}
