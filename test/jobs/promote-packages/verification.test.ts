import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import promotePackages from '../../../jobs/promote-packages/index.js';
import trackPostDeployMigrations from '../../../jobs/track-post-deploy-migrations/index.js';
import { deployVerdicts } from '../../../src/domain/deploy-verdicts.js';
import { UsageError } from '../../../src/errors.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { DEPLOYER, SOURCE, TASKS, seedAutoDeployProjects, shipPackage } from '../../helpers/deployments.js';
import {
  clockOf,
  startServices,
  testJob,
  type Services,
  type SimRef,
} from '../verify-deployment/fixtures.js';
import { PUBLIC, createRegistries, filesIn, packageBytes, stage, writes } from './fixtures.js';

/**
 * Publish only what passed. One bot runs the three jobs of the auto-deploy world: the deployer
 * ships each package to gstg-cny then gprd, track-post-deploy-migrations records which
 * post-deploy migrations it introduced, verify-deployment watches production (and rolls a failed
 * package back), and promote-packages reads both records before it publishes a package from
 * staging: a package whose production verification failed is refused unless a human forces it
 * with a reason, one never verified is promoted with a warning, and the report lists the
 * package's post-deploy migrations.
 */

const MINUTE = 60_000;
const PROMOTE = 'promote-packages';
const VERIFY = 'verify-deployment';

interface Pkg {
  /** `14.8.<timestamp>-<sha>.<sha>`: the package's name, what is promoted. */
  version: string;
  /** The auto-deploy tag (`+`), what deployments are recorded on. */
  tag: string;
}

describe('promote-packages publishes only what passed verification', () => {
  const ref: SimRef = {};
  let h: JobHarness;
  let s: Services;
  let builder = '';
  let omnibus = 0x4ce763dbce0;
  let good: Pkg;
  let bad: Pkg;
  let verifyRunId = '';

  async function cut(files: Record<string, string>): Promise<Pkg> {
    const sha = await h.sim.push({ forge: 'gitlab', project: SOURCE, files, message: 'Change' });
    const now = h.sim.clock.now().toISOString().replace(/\D/g, '').slice(0, 12);
    omnibus += 1;
    const tail = `${sha.slice(0, 11)}.${omnibus.toString(16).padStart(11, '0')}`;
    return { version: `14.8.${now}-${tail}`, tag: `14.8.${now}+${tail}` };
  }

  async function ship(pkg: Pkg): Promise<void> {
    await shipPackage(h.sim, pkg.tag, MINUTE);
    expect((await h.run('track-post-deploy-migrations')).run.status).not.toBe('failed');
  }

  function live(pkg: Pkg | null) {
    s.service.set(
      '/-/readiness',
      pkg ? { status: 200, body: { status: 'ok', version: pkg.tag } } : { status: 503 },
    );
  }

  /** What the omnibus build uploads to staging for a package. */
  async function build(version: string): Promise<string> {
    const file = `gitlab-ee_${version}_amd64.deb`;
    await stage(h.sim, builder, { name: 'gitlab-ee', version, file }, packageBytes(version), {
      checksumFile: true,
    });
    return file;
  }

  function promotionMessage() {
    return h.slack.messages.filter((m) => m.payload.text?.includes('Package promotion')).at(-1)!;
  }

  beforeAll(async () => {
    s = await startServices(clockOf(ref));
    h = await jobHarness({
      jobs: [trackPostDeployMigrations, testJob(ref), promotePackages],
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
        builder = await createRegistries(sim);
      },
      jobsConfig: () => ({
        'track-post-deploy-migrations': {
          deployments: { forge: 'gitlab', project: DEPLOYER, environment: 'gprd', baseline: 'gstg-cny' },
          source: { forge: 'gitlab', project: SOURCE },
          releaseIssue: { forge: 'gitlab', project: TASKS },
          postDeployMigrationsNote: false,
        },
        [VERIFY]: {
          slackChannel: 'oncall',
          rollback: 'auto',
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
            },
          ],
        },
        [PROMOTE]: {
          staging: { forge: 'gitlab', project: 'omnibus/staging' },
          public: { forge: 'gitlab', project: PUBLIC },
          packages: [{ name: 'gitlab-ee' }],
          verification: { environments: ['production'] },
          retry: { attempts: 1, delay: '1ms' },
          mention: '@release-managers',
        },
      }),
    });
    const first = await cut({ 'app/models/project.rb': 'class Project; end\n' });
    await ship(first);
    live(first);
    expect((await h.run(VERIFY)).run.summary).toContain('first run: watching gprd from gprd #');

    good = await cut({ 'db/post_migrate/20220208090000_add_index_on_builds.rb': 'class AddIndex; end\n' });
    await ship(good);
    live(good);
    expect((await h.run(VERIFY)).run.summary).toContain('passed');

    bad = await cut({ 'app/models/user.rb': 'class User; oops; end\n' });
    await ship(bad);
    live(null);
    const failed = await h.run(VERIFY);
    expect(failed.run.summary).toMatch(/FAILED .* by re-running its deploy job/);
    verifyRunId = failed.run.id;
  }, 120_000);
  afterAll(async () => {
    await h.close();
    await s.close();
  });

  it('verify-deployment records each verdict per version, the rollback with it', async () => {
    const [passed] = await deployVerdicts(h.app.store, [good.tag]);
    expect(passed).toMatchObject({
      version: good.tag,
      target: 'production',
      verdict: 'pass',
      rolledBack: null,
    });
    const [failed] = await deployVerdicts(h.app.store, [bad.tag]);
    expect(failed).toMatchObject({
      version: bad.tag,
      environment: 'gprd',
      verdict: 'fail',
      runId: verifyRunId,
      rolledBack: { to: good.tag, url: expect.stringMatching(/\/-\/jobs\/\d+$/) },
    });
    // `16.1.0` does not pick up `16.1.0+ee.0`-like neighbours: only exact spellings count.
    expect(await deployVerdicts(h.app.store, [good.tag.slice(0, -1)])).toEqual([]);
  });

  it('promotes a package that passed, and lists the post-deploy migrations it introduced', async () => {
    await build(good.version);
    h.slack.clear();
    const { run, result } = await h.run(PROMOTE, { args: { version: good.version } });
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('— post-deploy migrations: 20220208090000_add_index_on_builds.rb');
    expect(filesIn(h.sim, PUBLIC, 'gitlab-ee', good.version)).toHaveLength(2);
    expect(result!.details!.verification).toMatchObject({ state: 'passed' });
    expect(result!.details!.migrations).toEqual({
      scope: `package ${good.version}`,
      files: [{ file: 'db/post_migrate/20220208090000_add_index_on_builds.rb', package: good.version }],
      unknown: [],
    });
    const message = promotionMessage();
    expect(validateBlockKit(message.payload)).toEqual([]);
    const text = JSON.stringify(message.payload);
    expect(text).toContain('Post-deploy migrations: 1 in package');
    expect(text).toContain('db/post_migrate/20220208090000_add_index_on_builds.rb');
    expect(text).toContain('passed: gprd #');
  });

  it('refuses a package whose production verification failed and was rolled back: exit 1, the reason and the run', async () => {
    await build(bad.version);
    h.slack.clear();
    const since = h.sim.mark();
    const { run, result } = await h.run(PROMOTE, { args: { version: bad.version } });
    expect(run.status).toBe('failed');
    expect(run.error).toContain(`${bad.version}: refused, nothing promoted`);
    expect(run.error).toContain(`(${bad.tag}) failed verification, rolled back to ${good.tag}`);
    expect(run.error).toContain(`verify-deployment run ${verifyRunId}: release-bot show ${verifyRunId}`);
    expect(run.error).toContain('--force --reason');
    expect(writes(h.sim, since)).toEqual([]);
    expect(filesIn(h.sim, PUBLIC, 'gitlab-ee', bad.version)).toEqual([]);
    expect(result!.links!.map((l) => l.text)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gprd deployment #\d+$/),
        expect.stringMatching(/^rollback of #\d+$/),
      ]),
    );
    const refusal = h.slack.messages.find((m) => m.payload.text?.includes('refused'))!;
    expect(validateBlockKit(refusal.payload)).toEqual([]);
    expect(JSON.stringify(refusal.payload)).toContain(verifyRunId);
  });

  it('--force needs --reason (exit 2, nothing run)', async () => {
    await expect(h.run(PROMOTE, { args: { version: bad.version, force: true } })).rejects.toThrow(UsageError);
    await expect(h.run(PROMOTE, { args: { version: bad.version, reason: 'why not' } })).rejects.toThrow(
      /--reason is only for --force/,
    );
  });

  it('--force --reason promotes it anyway and records the reason in history, Slack and Sentry', async () => {
    const reason = 'customers need the fix; the failure was the canary health check, see INC-42';
    h.slack.clear();
    const { run } = await h.run(PROMOTE, { args: { version: bad.version, force: true, reason } });
    expect(run.status).toBe('ok');
    expect(filesIn(h.sim, PUBLIC, 'gitlab-ee', bad.version)).toHaveLength(2);
    // History: the run record, as `release-bot history` and `show` read it.
    const stored = await h.app.store.getRun(run.id);
    expect(stored!.summary).toContain(`forced past a failed verification, reason: ${reason}`);
    expect((stored!.result as { details: Record<string, unknown> }).details.verification).toMatchObject({
      state: 'forced',
      forcedReason: reason,
    });
    // Slack
    const message = promotionMessage();
    expect(JSON.stringify(message.payload)).toContain('Forced, because');
    expect(JSON.stringify(message.payload)).toContain(reason);
    // Sentry
    const event = h
      .sentry!.events()
      .find((e) => JSON.stringify(e.message ?? '').includes('promoted despite a failed verification'));
    expect(event).toBeDefined();
    expect(event!.level).toBe('warning');
    expect(event!.extra).toMatchObject({ reason });
    expect(event!.tags).toMatchObject({ version: bad.version, forced: 'true' });
  });

  it('promotes a version verify-deployment never saw, with a warning', async () => {
    const version = '16.9.0';
    await build(version);
    h.slack.clear();
    const { run, result } = await h.run(PROMOTE, { args: { version } });
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('warning: never verified by verify-deployment');
    expect(result!.details!.verification).toMatchObject({ state: 'unverified' });
    expect(JSON.stringify(promotionMessage().payload)).toContain(
      'Warning: 16.9.0 was never verified by verify-deployment',
    );
  });
});
