import type { DemoStory, DemoWorld } from '../story.js';
import type { CreateProjectInput } from '../../packages/forge-sandbox/src/core/world.js';
import type { Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { deployPackage } from '../../packages/forge-sandbox/src/worlds/auto-deploy.js';

/**
 * Seed 002: auto-deploy packages go to gstg-cny, then gprd. For each package that reaches gprd
 * the bot lists the post-deploy migrations it introduced and notes them, once, on the monthly
 * release issue "Release 14.8" — like release-tools' post_deploy_migrations_note.
 */

const SOURCE = 'gitlab-org/security/gitlab';
/** Its own deployer project, so other stories' deployments never mix with these packages. */
const DEPLOYER = 'gitlab-com/gl-infra/deploy-tracker';
const TASKS = 'gitlab-org/release/tasks';
const LABEL = 'Monthly Release';
const HOUR = 3_600_000;
const PDM = [
  'db/post_migrate/20220201141705_cleanup_background_migration_populate_test_reports_issue_id.rb',
  'db/post_migrate/20220201173212_add_user_details_provisioning_index.rb',
];

async function ensureProject(sim: Simulator, input: CreateProjectInput): Promise<void> {
  if (!sim.world.findProject(input.forge, input.path)) await sim.createProject(input);
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[-T:]/g, '').slice(0, 12);
}

let omnibus = 0xee932958e00;

/** Commit to the source project and cut a package of it: returns the auto-deploy tag (`+`). */
async function cut(sim: Simulator, files: Record<string, string>, message: string): Promise<string> {
  const sha = await sim.push({ forge: 'gitlab', project: SOURCE, branch: 'master', files, message });
  omnibus += 1;
  return `14.8.${stamp(sim.clock.now())}+${sha.slice(0, 11)}.${omnibus.toString(16)}`;
}

async function deploy(sim: Simulator, environment: string, tag: string): Promise<void> {
  await deployPackage(sim, { deployer: DEPLOYER, environment, tag, settleMs: HOUR });
}

function notesFor(world: DemoWorld, version: string) {
  const project = world.sim.project('gitlab', TASKS);
  return world.sim.world.notes.filter(
    (n) => n.projectId === project.id && n.noteableType === 'Issue' && n.body.startsWith(version),
  );
}

const story: DemoStory = {
  job: 'track-post-deploy-migrations',
  title: 'Post-deploy migrations: which auto-deploy package introduced them (seed 002)',
  async setup(world) {
    const { sim } = world;
    world.user('release-manager');
    await ensureProject(sim, {
      forge: 'gitlab',
      path: SOURCE,
      defaultBranch: 'master',
      members: ['release-bot:20'],
      files: { 'README.md': '# GitLab\n' },
    });
    await ensureProject(sim, {
      forge: 'gitlab',
      path: DEPLOYER,
      defaultBranch: 'master',
      members: ['release-bot:20'],
      files: { 'README.md': '# deployer\n' },
      ciEnabled: false,
    });
    await ensureProject(sim, {
      forge: 'gitlab',
      path: TASKS,
      defaultBranch: 'master',
      members: ['release-bot:30', 'release-manager'],
      files: { 'README.md': '# release tasks\n' },
      ciEnabled: false,
    });
    sim.createIssue({
      forge: 'gitlab',
      project: TASKS,
      title: 'Release 14.8',
      description: 'Monthly release 14.8',
      labels: [LABEL],
      username: 'release-manager',
    });
    // Two packages went out before the bot started following: it starts from them.
    const first = await cut(sim, { 'app/models/user.rb': 'class User; end\n' }, 'Add user model');
    await deploy(sim, 'gstg-cny', first);
    const second = await cut(sim, { 'app/models/project.rb': 'class Project; end\n' }, 'Add project model');
    await deploy(sim, 'gstg-cny', second);
    await deploy(sim, 'gprd', second);
    return {
      deployments: {
        forge: world.forges.gitlab,
        project: DEPLOYER,
        environment: 'gprd',
        baseline: 'gstg-cny',
      },
      source: { forge: world.forges.gitlab, project: SOURCE, migrationDirectory: 'db/post_migrate/' },
      releaseIssue: {
        forge: world.forges.gitlab,
        project: TASKS,
        labels: [LABEL],
        title: 'Release {major}.{minor}',
      },
      postDeployMigrationsNote: true,
    };
  },
  async play(play) {
    const { sim } = play;
    play.say(
      'A package reached gprd before the bot started; it compares it with the one before it on gstg-cny.',
    );
    const start = await play.run({ trigger: 'schedule' });
    if (start.run.status !== 'ok')
      throw new Error(`expected the first package to be recorded, got: ${start.run.summary}`);

    play.say(
      'The next package brings two post-deploy migrations and a regular migration; it goes to gstg-cny, then to gprd.',
    );
    const tag = await cut(
      sim,
      {
        [PDM[0]!]: 'class CleanupBackgroundMigrationPopulateTestReportsIssueId; end\n',
        [PDM[1]!]: 'class AddUserDetailsProvisioningIndex; end\n',
        'db/migrate/20220201000000_add_provisioned_by_to_user_details.rb': 'class AddProvisionedBy; end\n',
      },
      'Provision user details',
    );
    const version = tag.replace('+', '-');
    await deploy(sim, 'gstg-cny', tag);
    await deploy(sim, 'gprd', tag);
    const noted = await play.run({ trigger: 'schedule' });
    const notes = notesFor(play, version);
    if (noted.run.status !== 'ok' || notes.length !== 1)
      throw new Error(`expected one note for ${version}, got ${notes.length}: ${noted.run.summary}`);
    play.say(`The note on "Release 14.8":\n${notes[0]!.body.split('\n<!--')[0]}`);

    play.say('The next scheduled run finds nothing new: the package is never noted twice.');
    const again = await play.run({ trigger: 'schedule' });
    if (again.run.status !== 'noop' || notesFor(play, version).length !== 1)
      throw new Error(`expected a no-op with still one note, got: ${again.run.summary}`);
    play.say(
      `Release managers can now ask: release-bot migrations which 20220201173212 → ${version}; release-bot migrations rollback-check ${version} <older package> → exit 1 (unsafe).`,
    );
  },
};

export default story;
