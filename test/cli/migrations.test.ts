import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listPackages,
  postMigrationsBetween,
  whichPackage,
} from '../../jobs/track-post-deploy-migrations/index.js';
import { UsageError } from '../../src/errors.js';
import type { JobHarness } from '../helpers/job-harness.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import {
  cutPackage,
  harness,
  HOUR,
  releaseIssue,
  ship,
  SOURCE,
  type Pkg,
} from '../jobs/track-post-deploy-migrations/fixtures.js';

/** `release-bot migrations which|list|rollback-check`, the real CLI on the store the job filled. */

const PDM_A = 'db/post_migrate/20220201173212_add_user_details_provisioning_index.rb';
const PDM_B = 'db/post_migrate/20220201141705_cleanup_background_migration_populate_test_reports_issue_id.rb';
const PDM_C = 'db/post_migrate/20220210120000_remove_old_column.rb';
const PDM_D = 'db/post_migrate/20220211000000_add_index.rb';

describe('release-bot migrations', () => {
  let h: JobHarness;
  const p: Pkg[] = [];
  let config: string;
  let out: Record<string, Promise<CliResult>> = {};
  const cli = (...args: string[]) => runCli(['--config', config, 'migrations', ...args], { cwd: h.dir });

  beforeAll(async () => {
    h = await harness(async (sim) => {
      await sim.advance(HOUR);
      releaseIssue(sim, '14.8');
      const packages: Record<string, string>[] = [
        { 'app/a.rb': 'a\n' },
        { [PDM_A]: 'A\n', [PDM_B]: 'B\n', 'db/migrate/20220201000000_regular.rb': 'r\n' },
        { 'db/migrate/20220205000000_add_column.rb': 'c\n' },
        { 'app/b.rb': 'b\n' },
        { [PDM_C]: 'C\n' },
        { [PDM_D]: 'D\n' },
      ];
      for (const files of packages) {
        const pkg = await cutPackage(sim, files);
        p.push(pkg);
        await ship(sim, pkg);
        await sim.advance(HOUR);
      }
      // GitLab gives up on the diff of the fifth package: its post-migrations are unknown.
      sim.project('gitlab', SOURCE).compareTimeoutShas.add(p[4]!.sha);
    });
    config = join(h.dir, 'release-bot.yaml');
    await h.run('track-post-deploy-migrations');
    // Each CLI process costs a second or two of CPU: few of them, all at once.
    out = {
      whichPath: cli('which', PDM_A),
      whichTimestamp: cli('which', '20220201141705', '--json'),
      whichNone: cli('which', '20990101000000'),
      listJson: cli('list', '--json'),
      listRelease: cli('list', '--release', '14.8'),
      safe: cli('rollback-check', p[3]!.tag, p[1]!.tag),
      unsafe: cli('rollback-check', p[1]!.version, p[0]!.version, '--json'),
      unknown: cli('rollback-check', p[5]!.version, p[3]!.version),
      malformed: cli('rollback-check', '14.8.2022-nope', p[0]!.version),
    };
    await Promise.all(Object.values(out));
    // Generous: ten Node processes compile the CLI at once on a busy machine.
  }, 120_000);
  afterAll(() => h.close());

  it('which: the package that introduced a post-migration, by path, file name or timestamp', async () => {
    const [byPath, byTimestamp, none] = await Promise.all([
      out.whichPath!,
      out.whichTimestamp!,
      out.whichNone!,
    ]);
    expect(byPath.code).toBe(0);
    expect(byPath.stdout).toContain(PDM_A);
    expect(byPath.stdout).toContain(`introduced by ${p[1]!.version} (release 14.8)`);
    expect(byPath.stdout).toMatch(/gstg-cny\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(byPath.stdout).toMatch(/gprd\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(byPath.stdout).toMatch(/note: http.*#note_\d+/);
    // By file name, the same function the CLI calls.
    const byName = await whichPackage(h.app.store, '20220201173212_add_user_details_provisioning_index.rb');
    expect(byName.map((m) => m.package.version)).toEqual([p[1]!.version]);

    expect(byTimestamp.code).toBe(0);
    const json = JSON.parse(byTimestamp.stdout) as {
      matches: { file: string; package: { version: string; environments: Record<string, { at: string }> } }[];
    };
    expect(json.matches).toHaveLength(1);
    expect(json.matches[0]!.file).toBe(PDM_B);
    expect(json.matches[0]!.package.version).toBe(p[1]!.version);
    const envs = json.matches[0]!.package.environments;
    expect(Object.keys(envs).sort()).toEqual(['gprd', 'gstg-cny']);
    expect(Date.parse(envs['gstg-cny']!.at)).toBeLessThan(Date.parse(envs.gprd!.at));

    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      'no recorded package introduced a post-deploy migration matching "20990101000000"',
    );
  });

  it('list: packages with their post-migrations, per release, as text or JSON', async () => {
    const [json, text] = await Promise.all([out.listJson!, out.listRelease!]);
    expect(json.code).toBe(0);
    const packages = JSON.parse(json.stdout) as { version: string; migrations: string[] | null }[];
    expect(packages.map((x) => x.version)).toEqual(p.map((x) => x.version));
    expect(packages.map((x) => x.migrations)).toEqual([null, [PDM_B, PDM_A], [], [], null, [PDM_D]]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${p[1]!.version}  2 post-migration(s)`);
    expect(text.stdout).toContain(`  - ${PDM_A}`);
    expect(text.stdout).toContain(`${p[3]!.version}  no post-migrations`);
    expect(text.stdout).toContain(`${p[4]!.version}  post-migrations unknown: GitLab compare_timeout`);
    expect(await listPackages(h.app.store, { release: '14.9' })).toEqual([]);
    // A usage error: the CLI exits 2 for it like for any other.
    await expect(listPackages(h.app.store, { release: '14' })).rejects.toThrow(
      new UsageError('--release 14: expected MAJOR.MINOR, e.g. 14.8'),
    );
  });

  it('rollback-check: exit 0 with nothing between, 1 with post-migrations or unknowns, 2 for a malformed version', async () => {
    const [safe, unsafe, unknown, malformed] = await Promise.all([
      out.safe!,
      out.unsafe!,
      out.unknown!,
      out.malformed!,
    ]);
    // The auto-deploy tags (`+`) are accepted as well as the package versions (`-`).
    expect(safe.code).toBe(0);
    expect(safe.stdout).toContain(
      `SAFE: no post-deploy migration between ${p[1]!.version} and ${p[3]!.version}`,
    );
    expect(await postMigrationsBetween(h.app.store, p[3]!.version, p[1]!.version)).toMatchObject({
      safe: true,
      direction: 'rollback',
      migrations: [],
    });

    expect(unsafe.code).toBe(1);
    const between = JSON.parse(unsafe.stdout) as {
      safe: boolean;
      migrations: { file: string; package: string }[];
    };
    expect(between.safe).toBe(false);
    expect(between.migrations).toEqual([
      { file: PDM_B, package: p[1]!.version },
      { file: PDM_A, package: p[1]!.version },
    ]);

    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('UNSAFE: 1 post-deploy migration(s)');
    expect(unknown.stdout).toContain(`- ${PDM_D}  (${p[5]!.version})`);
    expect(unknown.stdout).toContain(`? ${p[4]!.version}: GitLab compare_timeout`);

    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('"14.8.2022-nope" is not an auto-deploy package version');
  });

  it('exports the same answer for other jobs (verify-deployment refuses a rollback past post-migrations)', async () => {
    const check = await postMigrationsBetween(h.app.store, p[2]!.version, p[0]!.version);
    expect(check.safe).toBe(false);
    expect(check.migrations.map((m) => m.file)).toEqual([PDM_B, PDM_A]);
    expect(check.packages.map((x) => x.version)).toEqual([p[2]!.version, p[1]!.version]);
    // Rolling back from a package to one the bot never saw cannot be vouched for.
    const unseen = await postMigrationsBetween(
      h.app.store,
      p[3]!.version,
      '14.7.202201010000-aaaaaaaaaaa.bbbbbbbbbbb',
    );
    expect(unseen.safe).toBe(false);
    expect(unseen.unknown.at(-1)?.reason).toContain('no earlier package');
  });
});
