/**
 * The parts of GitHub's REST and GraphQL answers the adapter reads (the full shapes are in
 * @octokit/openapi-types; these stay small so a field we rely on is visible in one place).
 */

export interface GhUser {
  login: string;
  id: number;
  name?: string | null;
}

export interface GhRepo {
  id: number;
  full_name: string;
  default_branch: string;
  html_url: string;
  allow_auto_merge?: boolean;
}

export interface GhBranch {
  name: string;
  protected: boolean;
  commit: { sha: string };
  /** "Get a branch" only (lists omit it). */
  protection?: {
    enabled?: boolean;
    required_status_checks?: {
      enforcement_level?: string;
      contexts?: string[];
      checks?: { context: string }[];
    };
  };
}

/** "Get branch protection" (admin only). */
export interface GhProtection {
  required_status_checks?: { contexts?: string[] } | null;
  allow_force_pushes?: { enabled: boolean };
  restrictions?: { users: { login: string }[]; teams: { slug: string }[]; apps?: { slug?: string }[] } | null;
}

export interface GhRef {
  ref: string;
  object: { sha: string };
}

export interface GhIdentity {
  name?: string;
  email?: string;
  date?: string;
}

export interface GhCommit {
  sha: string;
  html_url: string;
  commit: { message: string; author: GhIdentity | null; committer: GhIdentity | null };
  parents: { sha: string }[];
  /** The account GitHub links the author email to (null when none). */
  author?: GhUser | null;
}

export interface GhGitCommit {
  sha: string;
  html_url: string;
  message: string;
  author: GhIdentity;
  committer: GhIdentity;
  tree: { sha: string };
  parents: { sha: string }[];
}

export interface GhFile {
  filename: string;
  status: string;
  previous_filename?: string;
}

export interface GhCompare {
  status: 'ahead' | 'behind' | 'identical' | 'diverged';
  ahead_by: number;
  behind_by: number;
  total_commits: number;
  html_url: string;
  commits: GhCommit[];
  files?: GhFile[];
}

export interface GhContent {
  type: string;
  path: string;
  sha: string;
  content?: string;
  encoding?: string;
}

export interface GhLabel {
  name: string;
  color: string;
  description: string | null;
}

export interface GhPull {
  id: number;
  number: number;
  node_id: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  html_url: string;
  user: GhUser | null;
  labels: (GhLabel | string)[];
  head: { ref: string; sha: string; repo?: { full_name: string } | null };
  base: { ref: string; repo?: { full_name: string } };
  created_at: string;
  updated_at: string;
  merged_at: string | null;
  merge_commit_sha?: string | null;
  auto_merge: unknown;
  mergeable?: boolean | null;
}

export interface GhIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  html_url: string;
  user: GhUser | null;
  labels: (GhLabel | string)[];
  created_at: string;
  updated_at: string;
  pull_request?: unknown;
}

export interface GhComment {
  id: number;
  body?: string;
  user: GhUser | null;
  created_at: string;
  updated_at?: string;
}

export interface GhMilestone {
  number: number;
  title: string;
  state: string;
  due_on: string | null;
}

export interface GhWorkflowRun {
  id: number;
  head_branch: string | null;
  head_sha: string;
  status: string | null;
  conclusion: string | null;
  event: string;
  html_url: string;
  created_at: string;
  updated_at: string;
  run_started_at?: string | null;
  run_attempt?: number;
}

export interface GhJob {
  id: number;
  run_id: number;
  name: string;
  status: string;
  conclusion: string | null;
  html_url: string | null;
  started_at: string | null;
  completed_at: string | null;
  run_attempt?: number;
  workflow_name?: string | null;
}

export interface GhCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  html_url: string | null;
  details_url: string | null;
  started_at: string | null;
  completed_at: string | null;
}

export interface GhStatus {
  id: number;
  context: string;
  state: string;
  target_url: string | null;
  created_at: string;
  updated_at: string;
}

export interface GhDeployment {
  id: number;
  ref: string;
  sha: string;
  environment: string;
  payload: unknown;
  created_at: string;
  updated_at: string;
  creator?: { login: string } | null;
}

export interface GhDeploymentStatus {
  state: string;
  created_at: string;
  log_url?: string;
  target_url?: string;
}

export interface GhAsset {
  id: number;
  name: string;
  size: number;
  digest?: string | null;
  created_at: string;
}

export interface GhRelease {
  id: number;
  tag_name: string;
  upload_url: string;
  assets: GhAsset[];
}

export interface GhPendingDeployment {
  environment: { id?: number; name?: string };
}
