import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecords, type PackageRecord } from '../../../src/domain/post-migration-records.js';
import { readMarker } from '../../../src/kit/marker.js';
import type { SimIssue } from '../../../packages/forge-sandbox/src/core/model.js';
import type { JobHarness } from '../../helpers/job-harness.js';
import {
  cutPackage,
  deploy,
  harness,
  HOUR,
  notesOn,
  releaseIssue,
  ship,
  SOURCE,
  writes,
  type Pkg,
} from './fixtures.js';

/** track-post-deploy-migrations on GitLab, through the real @gitbeaker/rest client against the simulator. */

const JOB = 'track-post-deploy-migrations';
const PDM_A = 'db/post_migrate/20220201173212_add_user_details_provisioning_index.rb';
const PDM_B = 'db/post_migrate/20220201141705_cleanup_background_migration_populate_test_reports_issue_id.rb';

async function records(h: JobHarness): Promise<Map<string, PackageRecord>> {
  return new Map((await loadRecords(h.app.store)).map((r) => [r.version, r]));
}

describe('track-post-deploy-migrations on GitLab', () => {
  let h: JobHarness;
  let issue: SimIssue;
  let p1: Pkg;
  let p2: Pkg;
  let p3: Pkg;
  let p4: Pkg;
  let p5: Pkg;

  beforeAll(async () => {
    h = await harness(async (sim) => {
      await sim.advance(HOUR);
      p1 = await cutPackage(sim, { 'app/models/user.rb': 'class User; end\n' });
      await ship(sim, p1);
      issue = releaseIssue(sim, '14.8');
    });
  });
  afterAll(() => h.close());

  it('starts the record at the first package it sees: nothing before it to compare with', async () => {
    const { run, result } = await h.run(JOB);
    expect(run.status).toBe('skipped');
    expect(result!.items).toEqual([
      expect.objectContaining({
        name: p1.version,
        status: 'skipped',
        summary: expect.stringContaining('no earlier package on gstg-cny to compare with'),
      }),
    ]);
    const r = (await records(h)).get(p1.version)!;
    expect(Object.keys(r.environments).sort()).toEqual(['gprd', 'gstg-cny']);
    expect(r.analysis?.migrations).toBeNull();
    expect(notesOn(h.sim, issue)).toHaveLength(0);
  });

  it('records a package on the baseline without comparing it until it reaches gprd', async () => {
    p2 = await cutPackage(h.sim, {
      [PDM_A]: 'class AddUserDetailsProvisioningIndex; end\n',
      [PDM_B]: 'class CleanupBackgroundMigration; end\n',
      'db/migrate/20220201000000_add_provisioned_by.rb': 'class AddProvisionedBy; end\n',
      'app/models/user_detail.rb': 'class UserDetail; end\n',
    });
    await deploy(h.sim, 'gstg-cny', p2.tag);
    const { run } = await h.run(JOB);
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('no new package on gprd');
    const r = (await records(h)).get(p2.version)!;
    expect(Object.keys(r.environments)).toEqual(['gstg-cny']);
    expect(r.analysis).toBeNull();
    expect(notesOn(h.sim, issue)).toHaveLength(0);
  });

  it('notes the post-migrations of a package deployed to gprd on the monthly issue, like the seed', async () => {
    await deploy(h.sim, 'gprd', p2.tag);
    const { run, result } = await h.run(JOB);
    expect(run.status).toBe('ok');
    const notes = notesOn(h.sim, issue);
    expect(notes).toHaveLength(1);
    const body = notes[0]!.body;
    const lines = body.split('\n');
    // The package version first (canonical `-` form), then each migration linked at the package's sha.
    expect(lines[0]).toBe(p2.version);
    const blob = `${h.sim.gitlab.url}/${SOURCE}/-/blob/${p2.sha}`;
    expect(lines.filter((l) => l.startsWith('- '))).toEqual([
      `- [${PDM_B}](${blob}/${PDM_B})`,
      `- [${PDM_A}](${blob}/${PDM_A})`,
    ]);
    // Regular migrations and other files are not post-deploy migrations.
    expect(body).not.toContain('db/migrate/');
    expect(body).not.toContain('user_detail.rb');
    expect(readMarker(body, 'post-deploy-migrations')).toEqual({ package: p2.version });
    const r = (await records(h)).get(p2.version)!;
    expect(r.analysis).toMatchObject({ previous: p1.version, migrations: [PDM_B, PDM_A], sha: p2.sha });
    expect(r.note).toMatchObject({ state: 'posted', issueIid: issue.iid });
    expect(result!.links.some((l) => l.url.includes(`#note_${notes[0]!.id}`))).toBe(true);
  });

  it('does nothing the second time: zero writes, still one note', async () => {
    const since = h.sim.mark();
    const { run } = await h.run(JOB);
    expect(run.status).toBe('noop');
    expect(writes(h.sim, since)).toEqual([]);
    expect(notesOn(h.sim, issue)).toHaveLength(1);
  });

  it('records packages with only regular migrations or none, without a note', async () => {
    p3 = await cutPackage(h.sim, { 'db/migrate/20220205000000_add_column.rb': 'class AddColumn; end\n' });
    await ship(h.sim, p3);
    p4 = await cutPackage(h.sim, {
      'app/models/project.rb': 'class Project; end\n',
      // A change to an existing post-migration is not a new one.
      'db/post_migrate/20220101000000_old_post_migration.rb': 'class OldPostMigration; def up; end; end\n',
    });
    await ship(h.sim, p4);
    const since = h.sim.mark();
    const { run, result } = await h.run(JOB);
    expect(run.status).toBe('ok');
    expect(result!.items!.map((i) => [i.name, i.summary.split(' (')[0]])).toEqual([
      [p3.version, 'no post-migrations'],
      [p4.version, 'no post-migrations'],
    ]);
    expect(writes(h.sim, since)).toEqual([]);
    expect(notesOn(h.sim, issue)).toHaveLength(1);
    const all = await records(h);
    expect(all.get(p3.version)!.analysis).toMatchObject({ previous: p2.version, migrations: [] });
    expect(all.get(p4.version)!.analysis).toMatchObject({ previous: p3.version, migrations: [] });
    expect(all.get(p4.version)!.note).toEqual({ state: 'none' });
  });

  it('notes each package exactly once across repeated runs and a restart', async () => {
    p5 = await cutPackage(h.sim, { 'db/post_migrate/20220210120000_remove_old_column.rb': 'class X; end\n' });
    await ship(h.sim, p5);
    await h.run(JOB);
    await h.run(JOB);
    await h.restart();
    const since = h.sim.mark();
    expect((await h.run(JOB)).run.status).toBe('noop');
    expect(writes(h.sim, since)).toEqual([]);
    const notes = notesOn(h.sim, issue);
    expect(notes.map((n) => n.body.split('\n')[0])).toEqual([p2.version, p5.version]);
  });

  it('converges without a second note when a run stopped after posting, before recording it', async () => {
    const p6 = await cutPackage(h.sim, { 'db/post_migrate/20220211000000_add_index.rb': 'class Y; end\n' });
    await ship(h.sim, p6);
    // The note is posted, then the run dies before the store learns it: fail the record write.
    const { run } = await h.run(JOB);
    expect(run.status).toBe('ok');
    const key = `package:${p6.version}`;
    const stored = (await h.app.store.getState<PackageRecord>(JOB, key))!;
    await h.app.store.setState(JOB, key, { ...stored, note: null });
    await h.restart();
    const since = h.sim.mark();
    const again = await h.run(JOB);
    expect(again.run.status).toBe('ok');
    expect(again.result!.actions.find((a) => a.kind === 'post-note')?.description).toContain('already');
    expect(writes(h.sim, since)).toEqual([]);
    expect(notesOn(h.sim, issue).filter((n) => n.body.startsWith(p6.version))).toHaveLength(1);
    expect((await records(h)).get(p6.version)!.note).toMatchObject({ state: 'posted' });
  });

  it('counts post-migrations of a package that skipped gprd for the package that brought them there', async () => {
    const skipped = await cutPackage(h.sim, {
      'db/post_migrate/20220212000000_skipped.rb': 'class S; end\n',
    });
    await deploy(h.sim, 'gstg-cny', skipped.tag);
    await h.run(JOB);
    const next = await cutPackage(h.sim, { 'db/post_migrate/20220213000000_next.rb': 'class N; end\n' });
    await ship(h.sim, next);
    await h.run(JOB);
    const r = (await records(h)).get(next.version)!;
    expect(r.analysis!.migrations).toEqual([
      'db/post_migrate/20220212000000_skipped.rb',
      'db/post_migrate/20220213000000_next.rb',
    ]);
    expect((await records(h)).get(skipped.version)!.analysis).toBeNull();
    const note = notesOn(h.sim, issue).find((n) => n.body.startsWith(next.version))!;
    expect(note.body).toContain('20220212000000_skipped.rb');
  });

  it('prints the plan in dry-run and writes nothing, to the forge or the store', async () => {
    const p = await cutPackage(h.sim, { 'db/post_migrate/20220214000000_dry.rb': 'class D; end\n' });
    await ship(h.sim, p);
    const before = await h.app.store.listState(JOB);
    const since = h.sim.mark();
    const { run, result } = await h.run(JOB, { dryRun: true });
    expect(run.dryRun).toBe(true);
    expect(writes(h.sim, since)).toEqual([]);
    expect(await h.app.store.listState(JOB)).toEqual(before);
    expect(result!.actions.map((a) => a.kind)).toEqual([
      'record-deployments',
      'record-deployments',
      'record-package',
      'post-note',
    ]);
    expect(result!.actions.every((a) => !a.done)).toBe(true);
    expect(result!.actions[3]!.description).toContain(`#${issue.iid} "Release 14.8"`);
    // The real run then does it.
    await h.run(JOB);
    expect(notesOn(h.sim, issue).filter((n) => n.body.startsWith(p.version))).toHaveLength(1);
  });
});
