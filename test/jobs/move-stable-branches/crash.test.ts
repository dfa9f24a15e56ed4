import { startFakeService } from '../../../packages/forge-sandbox/src/services/health.js';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { describeCrashes } from '../../reliability/crash-scenario.js';
import {
  crashWorld,
  type CrashEnv,
  type CrashScenario,
  type CrashWorld,
} from '../../reliability/support/crash.js';

/**
 * SIGKILL after every write of a weekly move that creates ogr's stable, reads its Copr build
 * (ready), moves packit, reads packit's build (failed: packit-service stops, one Slack alert and
 * one Sentry event), reports on the approval issue and in Slack, and closes the issue: the next
 * run converges with the same branches, notes, messages and alerts, none twice. The repos form a
 * chain so the writes happen one after another (the crash harness counts them in order).
 */

const HOUR = 3_600_000;
const REPOS = ['ogr', 'packit', 'packit-service'] as const;
const COPR = 'copr-build:fedora-rawhide-x86_64';

async function packitCrashWorld(env: CrashEnv, forge: SimForge): Promise<CrashWorld> {
  let sim!: Simulator;
  // The probe is not used here; it keeps the world's shape close to the scenario tests.
  const copr = await startFakeService();
  return crashWorld(env, {
    async seed(s) {
      sim = s;
      sim.createUser('alice');
      for (const name of REPOS)
        await sim.createProject({
          forge,
          path: `packit/${name}`,
          branches: name === 'ogr' ? [] : ['stable'],
          members: ['release-bot', 'alice'],
          ciEnabled: false,
        });
      await sim.createProject({ forge, path: 'packit/deployment', members: ['release-bot', 'alice'] });
      await sim.advance(HOUR);
      for (const name of REPOS)
        await sim.push({
          forge,
          project: `packit/${name}`,
          files: { [`${name}.txt`]: name },
          message: `Improve ${name}`,
          username: 'alice',
        });
      const build = async (name: string, state: 'success' | 'failed') =>
        sim.setStatus(
          forge,
          `packit/${name}`,
          (await sim.project(forge, `packit/${name}`).repo.branchSha('main'))!,
          {
            context: COPR,
            state,
            username: 'alice',
          },
        );
      await build('ogr', 'success');
      await build('packit', 'failed');
    },
    jobs: () => ({
      'move-stable-branches': {
        forge,
        repos: [
          { project: 'packit/ogr', createStable: true, ready: { checks: ['copr-build*'] } },
          { project: 'packit/packit', dependsOn: ['ogr'], ready: { checks: ['copr-build*'] } },
          { project: 'packit/packit-service', dependsOn: ['packit'] },
        ],
        approval: { approvers: ['alice'], project: 'packit/deployment' },
      },
    }),
    async before(_world, run) {
      // The scheduled poll has opened the approval issue; the operator confirms with --yes.
      await run('move-stable-branches', { trigger: 'schedule' });
    },
    close: () => copr.close(),
  });
}

function scenario(forge: SimForge): CrashScenario {
  return {
    job: 'move-stable-branches',
    title: `${forge}: ogr created, its Copr check read, packit moved, its build failed so packit-service stopped (alert), report note, Slack, issue closed`,
    cli: ['--yes'],
    args: { yes: true },
    world: (env) => packitCrashWorld(env, forge),
  };
}

describeCrashes('move-stable-packit', [scenario('gitlab'), scenario('github')]);
