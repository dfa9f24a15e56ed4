import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { readMarker } from '../../../src/kit/marker.js';
import type { RunOutcome, RunRequest } from '../../../src/runner/runner.js';
import { startFakeService, type FakeService } from '../../../packages/forge-sandbox/src/services/health.js';
import type { SimForge, SimIssue, SimNote } from '../../../packages/forge-sandbox/src/core/model.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobs } from '../../../app/jobs.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';

/**
 * Packit's repos as packit/deployment's `move_stable.py` moves them today (ogr and specfile
 * first; packit needs their new stable built in Copr; packit-service needs packit's), on one
 * simulated forge: ogr without a stable branch unless asked, merged PRs/MRs made through the
 * forge's API by alice, Copr builds reported as checks on the new stable heads (GitHub check
 * runs, GitLab commit statuses), and a Copr-like package API for the HTTP probe.
 */

export const JOB = 'move-stable-branches';
export const ORG = 'packit';
export const PACKIT_REPOS = ['ogr', 'specfile', 'packit', 'packit-service', 'sandcastle'] as const;
export type PackitRepo = (typeof PACKIT_REPOS)[number];
/** Scenario steps run many polls against real git: generous on a busy machine. */
export const PACKIT_TIMEOUT = 120_000;

const DEPENDS: Record<PackitRepo, PackitRepo[]> = {
  ogr: [],
  specfile: [],
  packit: ['ogr', 'specfile'],
  'packit-service': ['packit'],
  sandcastle: [],
};
const COPR = 'copr-build:fedora-rawhide-x86_64';

export interface PackitWorld {
  h: JobHarness;
  sim: Simulator;
  forge: SimForge;
  copr: FakeService;
  run(request?: Partial<RunRequest>): Promise<RunOutcome>;
  scheduled(request?: Partial<RunRequest>): Promise<RunOutcome>;
  stable(repo: PackitRepo): Promise<string | null>;
  source(repo: PackitRepo): Promise<string>;
  push(repo: PackitRepo, message: string): Promise<string>;
  /** A PR/MR from a new branch, opened and merged into main through the API as alice. */
  mergePr(repo: PackitRepo, input: { title: string; body: string }): Promise<number>;
  /** The Copr build of a commit (default: the repo's main head) as a check on it. */
  build(repo: PackitRepo, state: 'pending' | 'success' | 'failed', sha?: string): Promise<void>;
  /** The Copr package API answers this version for the package of `repo`. */
  coprVersion(repo: PackitRepo, version: string): void;
  approvalIssues(): SimIssue[];
  notes(iid: number): SimNote[];
  approve(iid: number): Promise<void>;
  /** Non-GET forge requests since `mark` (git fetches excluded). */
  writes(since: number): { method: string; route: string; path: string }[];
  /** Rewrite the job's config (then the app restarts with it). */
  reconfigure(change: (job: Record<string, unknown>) => void): Promise<void>;
  close(): Promise<void>;
}

export async function packitWorld(
  forge: SimForge,
  options: {
    sentry: boolean;
    /** ogr has a stable branch already. */
    ogrStable: boolean;
    /** Scheduled runs ask alice in an issue in packit/deployment. */
    approval: boolean;
    /** specfile is ready by the Copr probe instead of checks. */
    specfileProbe?: boolean;
  },
): Promise<PackitWorld> {
  let sim!: Simulator;
  const copr = await startFakeService();
  let alice = '';
  const h = await jobHarness({
    jobs,
    sentry: options.sentry,
    retries: 0,
    seed: async (s) => {
      sim = s;
      alice = s.createUser('alice').token;
      for (const name of PACKIT_REPOS)
        await s.createProject({
          forge,
          path: `${ORG}/${name}`,
          branches: name === 'ogr' && !options.ogrStable ? [] : ['stable'],
          members: ['release-bot', 'alice'],
          ciEnabled: false,
          pipelineMustSucceed: false,
        });
      await s.createProject({ forge, path: `${ORG}/deployment`, members: ['release-bot', 'alice'] });
    },
    jobsConfig: () => ({
      [JOB]: {
        slackChannel: 'releases',
        forge,
        repos: PACKIT_REPOS.map((name) => ({
          project: `${ORG}/${name}`,
          dependsOn: DEPENDS[name],
          ...(name === 'ogr' ? { createStable: true } : {}),
          ...(name === 'specfile' && options.specfileProbe
            ? {
                ready: {
                  probe: {
                    url: `${copr.url}/api_3/package/python-specfile`,
                    field: 'builds.latest_succeeded.source_package.version',
                    contains: '.g{sha7}',
                  },
                  timeout: '2h',
                },
              }
            : ['ogr', 'specfile', 'packit'].includes(name)
              ? { ready: { checks: ['copr-build*'], timeout: '2h' } }
              : {}),
        })),
        approval: options.approval
          ? { approvers: ['alice'], project: `${ORG}/deployment` }
          : { required: false },
        mention: '@packit-team',
      },
    }),
  });

  const project = (name: string) => sim.project(forge, `${ORG}/${name}`);
  const api = forge === 'gitlab' ? `${sim.gitlab.url}/api/v4` : sim.github.apiUrl;
  const auth: Record<string, string> =
    forge === 'gitlab' ? { 'private-token': alice } : { authorization: `token ${alice}` };
  async function call(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }
  let branchNo = 0;

  const world: PackitWorld = {
    h,
    sim,
    forge,
    copr,
    run: (request = {}) => h.run(JOB, request),
    scheduled: (request = {}) => h.run(JOB, { trigger: 'schedule', ...request }),
    stable: (repo) => project(repo).repo.branchSha('stable'),
    source: async (repo) => (await project(repo).repo.branchSha('main'))!,
    push: (repo, message) =>
      sim.push({
        forge,
        project: `${ORG}/${repo}`,
        files: { [`${repo}-${++branchNo}.txt`]: message },
        message,
        username: 'alice',
      }),
    async mergePr(repo, { title, body }) {
      const branch = `feature-${++branchNo}`;
      const p = project(repo);
      await sim.push({
        forge,
        project: p.path,
        branch,
        files: { [`${branch}.txt`]: title },
        message: `${title} (work)`,
        username: 'alice',
      });
      if (forge === 'gitlab') {
        const mr = await call('POST', `/projects/${p.id}/merge_requests`, {
          source_branch: branch,
          target_branch: 'main',
          title,
          description: body,
        });
        await sim.advance(1000);
        await call('PUT', `/projects/${p.id}/merge_requests/${mr.iid}/merge`, {});
        return Number(mr.iid);
      }
      const pr = await call('POST', `/repos/${p.path}/pulls`, { title, head: branch, base: 'main', body });
      await sim.advance(1000);
      await call('PUT', `/repos/${p.path}/pulls/${pr.number}/merge`, { merge_method: 'merge' });
      return Number(pr.number);
    },
    async build(repo, state, sha) {
      const p = project(repo);
      const head = sha ?? (await world.source(repo));
      if (forge === 'gitlab') {
        sim.setStatus(forge, p.path, head, {
          context: COPR,
          state,
          targetUrl: `https://copr.example/${repo}/${head.slice(0, 7)}`,
          username: 'alice',
        });
        return;
      }
      await call('POST', `/repos/${p.path}/check-runs`, {
        name: COPR,
        head_sha: head,
        details_url: `https://copr.example/${repo}/${head.slice(0, 7)}`,
        ...(state === 'pending'
          ? { status: 'in_progress' }
          : { status: 'completed', conclusion: state === 'success' ? 'success' : 'failure' }),
      });
    },
    coprVersion(repo, version) {
      copr.set(`/api_3/package/python-${repo}`, {
        status: 200,
        body: { name: `python-${repo}`, builds: { latest_succeeded: { source_package: { version } } } },
      });
    },
    approvalIssues() {
      const deployment = project('deployment');
      return sim.world.issues
        .filter((i) => i.projectId === deployment.id && readMarker(i.description, JOB))
        .sort((a, b) => a.iid - b.iid);
    },
    notes(iid) {
      const deployment = project('deployment');
      return sim.world.notes
        .filter((n) => n.projectId === deployment.id && n.noteableType === 'Issue' && n.noteableIid === iid)
        .sort((a, b) => a.id - b.id);
    },
    async approve(iid) {
      const p = project('deployment');
      if (forge === 'github') {
        await call('POST', `/repos/${p.path}/issues/${iid}/comments`, { body: '/approve' });
        return;
      }
      const issue = sim.world.issues.find((i) => i.projectId === p.id && i.iid === iid)!;
      const description = issue.description.replace(/^- \[ \] I approve plan/m, '- [x] I approve plan');
      await call('PUT', `/projects/${p.id}/issues/${iid}`, { description });
    },
    writes(since) {
      return sim
        .requests({ since, forge })
        .filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && !r.route.endsWith('git-upload-pack'))
        .map((r) => ({ method: r.method, route: r.route, path: r.path }));
    },
    async reconfigure(change) {
      const path = join(h.dir, 'release-bot.yaml');
      const config = parse(readFileSync(path, 'utf8')) as { jobs: Record<string, Record<string, unknown>> };
      change(config.jobs[JOB]!);
      writeFileSync(path, stringify(config));
      await h.restart();
    },
    async close() {
      await h.close();
      await copr.close();
    },
  };
  return world;
}

/** Slack messages whose fallback text matches. */
export function slackTexts(w: PackitWorld, pattern: RegExp): string[] {
  return w.h.slack.messages.map((m) => m.payload.text ?? '').filter((t) => pattern.test(t));
}
