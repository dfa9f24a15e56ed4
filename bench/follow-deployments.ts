import { bumpBranch, BUMP_MARKER_KIND } from '../src/domain/bump.js';
import { marker } from '../src/kit/marker.js';
import type { SimForge } from '../packages/forge-sandbox/src/core/model.js';
import { jobHarness, type JobHarness } from '../test/helpers/job-harness.js';
import { writeResult, type Figure } from './lib/report.js';

/**
 * follow-deployments, requests per poll on each forge: four watched environments with a history
 * of 40 deployments each and two bumps followed to production. "Nothing moved" is a poll with
 * no new deployment and no rescan of merged bumps due (rescanBumps); the target is one request
 * per watched environment. For comparison: a poll with a rescan due, and a poll where one
 * deployment carries nothing new.
 */

const HOUR = 3_600_000;
const ENVIRONMENTS = ['gstg-cny', 'gprd-cny', 'gstg', 'gprd'];
const HISTORY = 40;

async function world(kind: SimForge): Promise<JobHarness> {
  return jobHarness({
    seed: async (sim) => {
      await sim.createProject({
        forge: kind,
        path: 'org/gitaly',
        members: ['release-bot:30'],
        ciEnabled: false,
      });
      await sim.createProject({
        forge: kind,
        path: 'org/app',
        members: ['release-bot:30'],
        files: { GITALY_SERVER_VERSION: 'x\n' },
        ciEnabled: false,
      });
      const head = (await sim.project(kind, 'org/app').repo.branchSha('main'))!;
      for (let i = 0; i < HISTORY; i += 1)
        for (const environment of ENVIRONMENTS)
          await sim.deploy({ forge: kind, project: 'org/app', environment, ref: 'main', sha: head });
      await sim.advance(HOUR);
    },
    jobsConfig: () => ({
      'follow-deployments': {
        forge: kind,
        project: 'org/app',
        environments: ENVIRONMENTS.map((name) => ({ name, label: `workflow::${name}` })),
        components: [
          { name: 'gitaly', source: { forge: kind, project: 'org/gitaly' }, recordDeployments: true },
        ],
        rescanBumps: '30m',
      },
    }),
  });
}

async function poll(h: JobHarness): Promise<{ count: number; status: string }> {
  const since = h.sim.mark();
  const { run } = await h.run('follow-deployments');
  return { count: h.sim.requests({ since }).length, status: run.status };
}

async function measure(kind: SimForge): Promise<Figure[]> {
  const h = await world(kind);
  const label = kind === 'gitlab' ? 'GitLab' : 'GitHub';
  try {
    await poll(h); // first run: cursors start at the newest deployments
    const gitaly = h.sim.project(kind, 'org/gitaly');
    const to = (await gitaly.repo.branchSha('main'))!;
    await h.sim.push({
      forge: kind,
      project: 'org/app',
      branch: bumpBranch('gitaly'),
      files: { GITALY_SERVER_VERSION: `${to}\n` },
      message: 'Update gitaly',
      username: 'release-bot',
    });
    const project = h.sim.project(kind, 'org/app');
    // The bump MR, as update-component writes it (branch, author, marker), merged.
    const { createGitlabForge } = await import('../src/forges/gitlab/index.js');
    const { createGithubForge } = await import('../src/forges/github/index.js');
    const options = { name: kind, token: h.botToken, dryRun: false, http: { backoffMs: 1 } };
    const forge =
      kind === 'gitlab'
        ? createGitlabForge({ ...options, url: h.sim.gitlab.url })
        : createGithubForge({ ...options, url: h.sim.github.url, apiUrl: h.sim.github.apiUrl });
    const created = await forge.changeRequests.create('org/app', {
      sourceBranch: bumpBranch('gitaly'),
      targetBranch: 'main',
      title: 'Update gitaly version',
      description: marker(BUMP_MARKER_KIND, { component: 'gitaly', sha: to, from: null }),
    });
    const sim = h.sim.world.mergeRequests.find((m) => m.projectId === project.id && m.iid === created.iid)!;
    await h.sim.world.mergeMergeRequest(sim, h.sim.world.userByName('release-bot')!.id);
    await h.sim.advance(HOUR);
    const scan = await poll(h);
    const merged = (await project.repo.branchSha('main'))!;
    const moves: { count: number; status: string }[] = [];
    for (const environment of ENVIRONMENTS) {
      await h.sim.deploy({ forge: kind, project: 'org/app', environment, ref: 'main', sha: merged });
      await h.sim.advance(60_000);
      moves.push(await poll(h));
    }
    const idle: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      await h.sim.advance(60_000);
      idle.push((await poll(h)).count);
    }
    await h.sim.deploy({ forge: kind, project: 'org/app', environment: 'gprd', ref: 'main', sha: merged });
    await h.sim.advance(60_000);
    const redeploy = await poll(h);
    const group = 'Requests per poll (follow-deployments)';
    return [
      {
        group,
        name: `nothing moved, ${ENVIRONMENTS.length} environments × ${HISTORY} deployments, ${label} (max of 5 polls)`,
        value: Math.max(...idle),
        unit: 'requests',
        target: { max: ENVIRONMENTS.length },
      },
      {
        group,
        name: `rescan of merged bumps due, nothing deployed, ${label}`,
        value: scan.count,
        unit: 'requests',
        note: scan.status,
      },
      ...moves.map((m, i) => ({
        group,
        name: `bump arrives in ${ENVIRONMENTS[i]} (label, note, Slack, component deployment), ${label}`,
        value: m.count,
        unit: 'requests',
        note: m.status,
      })),
      {
        group,
        name: `one deployment with nothing new (followed bump still on it), ${label}`,
        value: redeploy.count,
        unit: 'requests',
        note: redeploy.status,
      },
    ];
  } finally {
    await h.close();
  }
}

export async function main(): Promise<void> {
  writeResult('follow-deployments', [...(await measure('gitlab')), ...(await measure('github'))]);
}

await main();
