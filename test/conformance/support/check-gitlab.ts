import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RecordedAnswer } from '../../../packages/forge-sandbox/src/core/answer-recorder.js';
import type { Violation } from './openapi.js';
import { compareShape } from './shape.js';

/**
 * GitLab has no complete OpenAPI for v4, so the simulator's GitLab answers are compared with the
 * recorded and documented ones in fixtures/gitlab (gitlab.com recordings, GitLab's own API docs):
 * a field both have must have the same JSON type, and the simulator may not add a field the
 * recording lacks unless it is one current GitLab documents that the (older) recordings predate.
 * Fields the simulator leaves out are not violations: the bot must not need them.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/gitlab/', import.meta.url));

/**
 * Fields current GitLab answers carry that our recordings (2019–2023 examples) predate, by the
 * docs page that documents them (docs.gitlab.com/api/...).
 */
export const NEWER_GITLAB_FIELDS: Record<string, string> = {
  trailers: 'commits: Git trailers of a commit (15.x)',
  extended_trailers: 'commits: all values of each trailer (16.x)',
  web_url: 'commits, repositories/compare: link to the commit or comparison',
  generated_file: 'repositories/compare: diffs[].generated_file (16.x)',
  project_id: 'commits: create/get answer the project id; milestones: project milestones',
  last_pipeline: 'commits: create answers the last pipeline',
  parent_ids: 'commits: full commit in compare and job answers',
  message: 'commits: full commit in compare answers',
  authored_date: 'commits: full commit',
  committer_name: 'commits: full commit',
  committer_email: 'commits: full commit',
  committed_date: 'commits: full commit',
  locked: 'users: every user reference carries `locked` (16.x)',
  bot: 'users: /user answers `bot`',
  discord: 'users: profile field (15.x)',
  job_title: 'users: profile field',
  pronouns: 'users: profile field',
  work_information: 'users: profile field',
  local_time: 'users: profile field',
  commit_email: 'users: /user answers the commit email',
  is_admin: 'users: /user answers is_admin to administrators',
  merge_user: 'merge_requests: who merged or set auto-merge (14.7, replaces merged_by)',
  reviewers: 'merge_requests: reviewers (13.8)',
  draft: 'merge_requests: draft (14.0, replaces work_in_progress)',
  expired: 'milestones: expired',
  detailed_merge_status: 'merge_requests: detailed_merge_status (15.6)',
  merge_after: 'merge_requests: merge_after (17.x)',
  squash_commit_sha: 'merge_requests: squash_commit_sha',
  prepared_at: 'merge_requests: prepared_at (16.x)',
  references: 'merge_requests: references',
  squash_on_merge: 'merge_requests: squash_on_merge (16.x)',
  task_completion_status: 'merge_requests: task_completion_status',
  has_conflicts: 'merge_requests: has_conflicts',
  blocking_discussions_resolved: 'merge_requests: blocking_discussions_resolved',
  first_contribution: 'merge_requests: first_contribution',
  erased_at: 'jobs: erased_at',
  runner_manager: 'jobs: runner_manager (15.11)',
  archived: 'jobs: archived (16.x)',
  artifacts_expire_at: 'jobs: artifacts_expire_at',
  tag_list: 'jobs: tag_list',
  pipeline: 'jobs: the job’s pipeline',
  iid: 'pipelines: iid',
  source: 'pipelines: source',
  created_at: 'pipelines: created_at in a job’s pipeline',
  updated_at: 'pipelines: updated_at in a job’s pipeline',
  name: 'pipelines: name (15.11)',
  detailed_status: 'pipelines: detailed_status',
  pipeline_id: 'commits: a commit status names its pipeline',
  queued_duration: 'pipelines, jobs: queued_duration (13.x), also in an MR’s head_pipeline',
  merge_status: 'merge_requests: merge_status (deprecated in 15.6 for detailed_merge_status, still answered)',
  confidential: 'notes: confidential',
  internal: 'notes: internal (15.0)',
  imported: 'notes: imported (16.x)',
  imported_from: 'notes: imported_from (16.x)',
  commands_changes: 'notes: commands_changes (quick actions applied by the note)',
  has_tasks: 'issues: has_tasks, with task_status',
  moved_to_id: 'issues: moved_to_id',
  service_desk_reply_to: 'issues: service_desk_reply_to',
  slug: 'deployments: environment (EnvironmentBasic: id, name, slug, external_url, created_at, updated_at)',
  type: 'notes: type (null, DiscussionNote, DiffNote)',
  avatar_url: 'users: every user reference (UserBasic) carries avatar_url',
};

interface Recording {
  file: string;
  method: string;
  path: string;
  /** Query parameters that select the answer's shape (e.g. `select=package_file`). */
  query: Record<string, string>;
  status: number;
  response: unknown;
}

export function gitlabRecordings(): Recording[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((file) => {
      const r = JSON.parse(readFileSync(`${FIXTURES}${file}`, 'utf8')) as {
        request: { method: string; path: string; query?: Record<string, unknown> };
        status: number;
        response: unknown;
      };
      const query = Object.fromEntries(Object.entries(r.request.query ?? {}).map(([k, v]) => [k, String(v)]));
      return {
        file,
        method: r.request.method,
        path: r.request.path,
        query,
        status: r.status,
        response: r.response,
      };
    })
    .filter((r) => r.status < 400 && r.response !== null && typeof r.response === 'object');
}

/** Query parameters that change what an answer holds; the rest (paging, filters) do not. */
const SHAPE_PARAMS = ['select'];

/** `GET /api/v4/projects/:id/pipelines/:pipeline_id` → a matcher for recorded paths. */
function routeMatcher(route: string): (method: string, path: string) => boolean {
  const [verb, template] = route.split(' ') as [string, string];
  const re = new RegExp(
    `^${template
      .split('/')
      .map((s) => (s.startsWith(':') ? (s.endsWith('*') ? '.+' : '[^/]+') : s))
      .join('/')}$`,
  );
  return (method, path) => method === verb && re.test(path);
}

/** Violations of sampled GitLab answers; `compared` collects the recordings some answer was compared with. */
export function checkGitlabAnswers(
  answers: RecordedAnswer[],
  recordings = gitlabRecordings(),
  compared = new Set<string>(),
): Violation[] {
  const out = new Map<string, Violation>();
  for (const a of answers) {
    if (a.route === 'UNMATCHED' || a.status >= 400) continue;
    const matches = routeMatcher(a.route);
    const asked = new URLSearchParams(a.query ?? '');
    const same = (r: Recording) =>
      r.status === a.status &&
      matches(r.method, r.path) &&
      SHAPE_PARAMS.every((k) => (asked.get(k) ?? undefined) === r.query[k]);
    for (const rec of recordings.filter(same)) {
      compared.add(rec.file);
      for (const d of compareShape(rec.response, a.body)) {
        if (d.rule === 'missing') continue;
        const field = d.at.slice(d.at.lastIndexOf('.') + 1);
        if (d.rule === 'extra' && field in NEWER_GITLAB_FIELDS) continue;
        const at = d.at.replace(/\[\d+\]/g, '[]');
        out.set(`${a.route} ${at} ${d.rule}`, {
          operation: `gitlab ${a.route}`,
          status: a.status,
          at,
          rule: d.rule,
          message: `${d.message} (recording ${rec.file})`,
        });
      }
    }
  }
  return [...out.values()];
}
