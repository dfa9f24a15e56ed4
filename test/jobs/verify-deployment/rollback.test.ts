import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import trackPostDeployMigrations from '../../../jobs/track-post-deploy-migrations/index.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { DEPLOYER, SOURCE, TASKS, seedAutoDeployProjects, shipPackage } from '../../helpers/deployments.js';
import { clockOf, startServices, testJob, watched, type Services, type SimRef } from './fixtures.js';

/**
 * verify-deployment's rollbacks on GitLab, the way seed 002's deployer works: every auto-deploy
 * package is deployed from the deployer project on its tag (gstg-cny, then gprd), and
 * track-post-deploy-migrations (the real job, in the same bot) records which post-deploy
 * migrations each package introduced. A failed deploy is rolled back by re-running the previous
 * good deployment's job — once, even when the store forgets it did — but never past
 * post-deploy migrations, nor when the record cannot vouch for the range.
 */

const JOB = 'verify-deployment';
const MINUTE = 60_000;

interface Pkg {
  version: string;
  /** The auto-deploy tag, what deployments are recorded on. */
  tag: string;
}

function writes(sim: Simulator, since: number) {
  return sim.requests({ since }).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
}

describe('verify-deployment rollbacks on GitLab', () => {
  const ref: SimRef = {};
  let h: JobHarness;
  let s: Services;
  let omnibus = 0x4ce763dbce0;
  const pkgs: Pkg[] = [];

  async function cut(files: Record<string, string>): Promise<Pkg> {
    const sha = await h.sim.push({
      forge: 'gitlab',
      project: SOURCE,
      files,
      message: `Change ${Object.keys(files)[0]}`,
    });
    const now = h.sim.clock.now().toISOString().replace(/\D/g, '').slice(0, 12);
    omnibus += 1;
    const tail = `${sha.slice(0, 11)}.${omnibus.toString(16).padStart(11, '0')}`;
    const pkg = { version: `14.8.${now}-${tail}`, tag: `14.8.${now}+${tail}` };
    pkgs.push(pkg);
    return pkg;
  }

  /** Deploy to the baseline, then to production; the tracker records the package unless told not to. */
  async function ship(pkg: Pkg, options: { track?: boolean } = {}): Promise<number> {
    const id = (await shipPackage(h.sim, pkg.tag, MINUTE)).at(-1)!.id;
    if (options.track !== false)
      expect((await h.run('track-post-deploy-migrations')).run.status).not.toBe('failed');
    return id;
  }

  function live(pkg: Pkg | null) {
    s.service.set(
      '/-/readiness',
      pkg ? { status: 200, body: { status: 'ok', version: pkg.tag } } : { status: 503 },
    );
  }

  function deployJobAttempts(pkg: Pkg) {
    const pipelines = h.sim.world.pipelines.filter((p) => p.ref === pkg.tag).map((p) => p.id);
    return h.sim.world.jobs.filter((j) => j.name === 'deploy:gprd' && pipelines.includes(j.pipelineId));
  }

  beforeAll(async () => {
    s = await startServices(clockOf(ref));
    h = await jobHarness({
      jobs: [trackPostDeployMigrations, testJob(ref)],
      sentry: true,
      seed: async (sim) => {
        ref.sim = sim;
        sim.createUser('dev');
        await seedAutoDeployProjects(sim, {
          source: {
            members: ['release-bot:20', 'dev'],
            files: { 'README.md': '# GitLab\n', 'db/post_migrate/20220101000000_old.rb': 'class Old; end\n' },
          },
          deployerMembers: ['release-bot:30'],
          tasks: { members: ['release-bot:30'] },
        });
      },
      jobsConfig: () => ({
        'track-post-deploy-migrations': {
          deployments: { forge: 'gitlab', project: DEPLOYER, environment: 'gprd', baseline: 'gstg-cny' },
          source: { forge: 'gitlab', project: SOURCE },
          releaseIssue: { forge: 'gitlab', project: TASKS },
          postDeployMigrationsNote: false,
        },
        [JOB]: {
          slackChannel: 'oncall',
          rollback: 'auto',
          // 3 samples; any failure fails (20 % of 3 rounds down to none)
          window: '1m',
          interval: '30s',
          targets: [
            {
              name: 'production',
              forge: 'gitlab',
              project: DEPLOYER,
              environment: 'gprd',
              health: {
                checks: [
                  {
                    name: 'readiness',
                    url: `${s.service.url}/-/readiness`,
                    json: { path: 'version', equals: '{version}' },
                  },
                ],
              },
              mention: '<!subteam^S0ONCALL>',
            },
          ],
        },
      }),
    });
    const first = await cut({ 'app/models/project.rb': 'class Project; end\n' });
    await ship(first);
    live(first);
    expect((await h.run(JOB)).run.summary).toContain('first run: watching gprd from gprd #');
  });
  afterAll(async () => {
    await h.close();
    await s.close();
  });

  it('passes a good package', async () => {
    const good = await cut({ 'app/models/user.rb': 'class User; end\n' });
    await ship(good);
    live(good);
    const { run } = await h.run(JOB);
    expect(run.summary).toMatch(/gprd #\d+ \(14\.8\.\d+\+[0-9a-f]{11}\.[0-9a-f]{11}, [0-9a-f]{11}\) passed/);
  });

  it('dry-run plans the rollback and changes nothing', async () => {
    const bad = await cut({ 'app/models/broken.rb': 'raise "boom"\n' });
    await ship(bad);
    live(null);
    const cursor = await h.app.store.getState(JOB, 'cursor:production');
    h.slack.clear();
    const sentryBefore = h.sentry!.events().length;
    const since = h.sim.mark();

    const { run, result } = await h.run(JOB, { dryRun: true });
    expect(run.dryRun).toBe(true);
    expect(writes(h.sim, since)).toEqual([]);
    expect(h.slack.messages).toHaveLength(0);
    expect(h.sentry!.events().length).toBe(sentryBefore);
    expect(await h.app.store.getState(JOB, 'cursor:production')).toEqual(cursor);
    expect(await h.app.store.listState(JOB, 'pending:')).toEqual([]);
    const actions = result!.actions;
    expect(actions.map((a) => a.kind)).toEqual(['rollback', 'alert', 'sentry-event']);
    expect(actions.every((a) => !a.done)).toBe(true);
    expect(actions[0]!.description).toContain(`to gprd #`);
    expect(actions[0]!.description).toContain(`${pkgs[1]!.tag}`);
    expect(actions[0]!.description).toContain('by re-running its deploy job');
    expect(run.summary).toContain('would roll back');
  });

  it('rolls back to the previous good package once, across repeated runs and a lost record', async () => {
    const [, good, bad] = pkgs as [Pkg, Pkg, Pkg];
    const since = h.sim.mark();
    const { run, result } = await h.run(JOB);
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('FAILED (health readiness)');
    const posts = writes(h.sim, since);
    expect(posts.map((r) => `${r.method} ${r.route}`)).toEqual([
      expect.stringMatching(/^POST .*jobs.*retry/),
    ]);
    expect(deployJobAttempts(good)).toHaveLength(2);
    expect(watched(result)[0]!.rollback?.kind).toBe('retry-job');
    const alert = h.slack.messages.at(-1)!;
    expect(alert.channel).toBe('oncall');
    const text = JSON.stringify(alert.payload);
    expect(text).toContain('Deployment failed verification');
    expect(text).toContain(`Rolling back to gprd #`);
    expect(text).toContain(good.tag);
    expect(text).toContain('<!subteam^S0ONCALL>');
    expect(validateBlockKit(alert.payload)).toEqual([]);
    const event = h.sentry!.events().at(-1)!;
    expect(JSON.stringify(event)).toContain('Deployment failed verification: production #');

    // The next polls have nothing to do; asking for the rollback again changes nothing.
    const again = h.sim.mark();
    expect((await h.run(JOB)).run.status).toBe('noop');
    const failedId = watched(result)[0]!.deployment.id;
    const asked = await h.run(JOB, {
      args: { environment: 'production', deployment: String(failedId), rollback: true },
    });
    expect(asked.run.summary).toContain('already rolled back');
    expect(writes(h.sim, again)).toEqual([]);

    // A run killed right after re-running the job never recorded it: the forge still tells.
    await h.app.store.deleteState(JOB, `rollback:production:${failedId}`);
    const killed = await h.run(JOB, {
      args: { environment: 'production', deployment: String(failedId), rollback: true },
    });
    expect(killed.run.summary).toContain('was already re-run after the failed deploy');
    expect(writes(h.sim, again)).toEqual([]);
    expect(deployJobAttempts(good)).toHaveLength(2);

    // The re-run redeploys the good package; that deployment is verified like any other.
    await h.sim.advance(2 * MINUTE);
    live(good);
    const rolledBack = await h.run(JOB);
    expect(rolledBack.run.summary).toContain(`(${good.tag}`);
    expect(rolledBack.run.summary).toContain('passed');
    expect(deployJobAttempts(bad)).toHaveLength(1);
  });

  it('refuses to roll back past post-deploy migrations and tells on-call which', async () => {
    const migration = 'db/post_migrate/20221120080000_remove_builds_legacy_column.rb';
    const withMigration = await cut({ [migration]: 'class RemoveBuildsLegacyColumn; end\n' });
    await ship(withMigration);
    live(null);
    h.slack.clear();
    const since = h.sim.mark();
    const { run, result } = await h.run(JOB);
    expect(writes(h.sim, since)).toEqual([]);
    expect(watched(result)[0]!.rollback?.kind).toBe('refuse');
    expect(run.summary).toContain('refuse to roll back');
    const text = JSON.stringify(h.slack.messages[0]!.payload);
    expect(text).toContain('Automatic rollback to gprd #');
    expect(text).toContain('1 post-deploy migration was introduced between');
    expect(text).toContain(`${migration} (${withMigration.version})`);
    expect(text).toContain('Fix forward');
    expect(JSON.stringify(h.sentry!.events().at(-1))).toContain('refuse');
  });

  it('refuses when the record cannot vouch for the packages in between', async () => {
    const untracked = await cut({ 'app/models/issue.rb': 'class Issue; end\n' });
    await ship(untracked, { track: false });
    live(null);
    h.slack.clear();
    const since = h.sim.mark();
    await h.run(JOB);
    expect(writes(h.sim, since)).toEqual([]);
    const text = JSON.stringify(h.slack.messages[0]!.payload);
    expect(text).toContain('are not known');
    expect(text).toContain('not recorded by track-post-deploy-migrations');
  });
});
