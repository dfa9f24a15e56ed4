import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecords } from '../../../src/domain/post-migration-records.js';
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
} from './fixtures.js';

/** Malformed versions, GitLab compare timeouts and a missing monthly issue: clear messages, the rest goes on. */

const JOB = 'track-post-deploy-migrations';

describe('track-post-deploy-migrations when something is off', () => {
  let h: JobHarness;
  let issue: SimIssue;

  beforeAll(async () => {
    h = await harness(async (sim) => {
      await sim.advance(HOUR);
      await ship(sim, await cutPackage(sim, { 'app/a.rb': 'a\n' }));
      issue = releaseIssue(sim, '14.8');
    });
    await h.run(JOB);
  });
  afterAll(() => h.close());

  it('names a malformed version and still handles the good package of the same run, once', async () => {
    await deploy(h.sim, 'gprd', 'master');
    await deploy(h.sim, 'gprd', '14.8.2022021309-97d6e07c2a1.4ce763dbce1');
    const good = await cutPackage(h.sim, { 'db/post_migrate/20220213000000_good.rb': 'g\n' });
    await ship(h.sim, good);
    const { run, result } = await h.run(JOB);
    expect(run.status).toBe('failed');
    const failed = result!.items!.filter((i) => i.status === 'failed').map((i) => i.summary);
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatch(/deployment #\d+ to gprd: "master" is not an auto-deploy package version/);
    expect(failed[1]).toContain(
      '"14.8.2022021309-97d6e07c2a1.4ce763dbce1" is not an auto-deploy package version: the timestamp "2022021309" must be 12 digits',
    );
    expect(result!.items!.find((i) => i.name === good.version)).toMatchObject({ status: 'ok' });
    expect(notesOn(h.sim, issue).filter((n) => n.body.startsWith(good.version))).toHaveLength(1);
    // Reported once: the next run has nothing new.
    expect((await h.run(JOB)).run.status).toBe('noop');
  });

  it('reports a compare timeout as unknown, never as none, and goes on with the next package', async () => {
    const slow = await cutPackage(h.sim, { 'db/post_migrate/20220214000000_hidden.rb': 'h\n' });
    h.sim.project('gitlab', SOURCE).compareTimeoutShas.add(slow.sha);
    await ship(h.sim, slow);
    const after = await cutPackage(h.sim, { 'db/post_migrate/20220215000000_after.rb': 'a\n' });
    await ship(h.sim, after);
    const { run, result } = await h.run(JOB);
    expect(run.status).toBe('failed');
    const item = result!.items!.find((i) => i.name === slow.version)!;
    expect(item.status).toBe('failed');
    expect(item.summary).toContain('post-migrations unknown: GitLab compare_timeout');
    expect(result!.items!.find((i) => i.name === after.version)).toMatchObject({ status: 'ok' });
    const records = new Map((await loadRecords(h.app.store)).map((r) => [r.version, r]));
    expect(records.get(slow.version)!.analysis!.migrations).toBeNull();
    expect(records.get(slow.version)!.note).toEqual({ state: 'none' });
    expect(records.get(after.version)!.analysis).toMatchObject({
      previous: slow.version,
      migrations: ['db/post_migrate/20220215000000_after.rb'],
    });
    const bodies = notesOn(h.sim, issue).map((n) => n.body);
    expect(bodies.some((b) => b.startsWith(slow.version))).toBe(false);
    expect(bodies.some((b) => b.startsWith(after.version))).toBe(true);
    expect((await h.run(JOB)).run.status).toBe('noop');
  });

  it('keeps the note pending while the monthly issue is missing and posts it once the issue exists', async () => {
    const next = await cutPackage(
      h.sim,
      { 'db/post_migrate/20220301000000_next_release.rb': 'n\n' },
      { release: '14.9' },
    );
    await ship(h.sim, next);
    const first = await h.run(JOB);
    expect(first.run.status).toBe('failed');
    expect(first.run.summary).toContain(
      `no monthly release issue "Release 14.9" labelled Monthly Release in gitlab-org/release/tasks; the note is posted by the first run after it exists`,
    );
    const since = h.sim.mark();
    expect((await h.run(JOB)).run.status).toBe('failed');
    expect(writes(h.sim, since)).toEqual([]);

    const issue149 = releaseIssue(h.sim, '14.9');
    await h.restart();
    const { run } = await h.run(JOB);
    expect(run.status).toBe('ok');
    const notes = notesOn(h.sim, issue149);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body.split('\n')[0]).toBe(next.version);
    expect((await h.run(JOB)).run.status).toBe('noop');
    expect(notesOn(h.sim, issue149)).toHaveLength(1);
  });
});
