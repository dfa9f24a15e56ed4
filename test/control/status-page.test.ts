import { afterEach, describe, expect, it } from 'vitest';
import { createStatusReader } from '../../src/http/status/data.js';
import { renderStatusPage } from '../../src/http/status/status-page.js';
import { holdComponent } from '../../src/control/holds.js';
import { pauseJob } from '../../src/control/pauses.js';
import { fixture, type Fixture } from '../http/fixtures.js';

/** The status page shows paused jobs, held components and freezes (now and next). */

describe('status page: paused, held, frozen', () => {
  let f: Fixture | undefined;
  afterEach(async () => f?.close());

  it('lists each control with who set it and until when, and badges the job cards', async () => {
    f = await fixture({
      freezes: [
        {
          name: 'year-end',
          reason: 'Year-end <freeze>',
          jobs: ['move'],
          from: '2026-12-01',
          to: '2026-12-31',
        },
        { name: 'fridays', reason: 'No Friday deploys', schedule: '0 12 * * 5', duration: '12h' },
      ],
    });
    const now = new Date('2026-12-03T12:00:00Z');
    await pauseJob(f.store, 'bump', {
      until: '2026-12-03T18:00:00.000Z',
      reason: 'gitaly <script>',
      by: 'alice',
      via: 'slack',
      at: now.toISOString(),
    });
    await pauseJob(f.store, 'idle', {
      until: '2026-12-01T00:00:00.000Z',
      reason: 'over',
      by: 'x',
      via: 'cli',
      at: '',
    });
    await holdComponent(f.store, 'gitaly', {
      sha: '0123456789abcdef',
      reason: 'closed by @bob',
      by: 'release-bot',
      via: 'job',
      at: now.toISOString(),
      mr: { iid: 12, url: 'https://gitlab.example.com/org/gitlab/-/merge_requests/12' },
    });
    const data = await createStatusReader({
      config: f.config,
      jobs: f.jobs,
      store: f.store,
      now: () => now,
    }).status();
    expect(data.controls.pauses.map((p) => p.job)).toEqual(['bump']);
    expect(data.controls.holds.map((h) => h.component)).toEqual(['gitaly']);
    expect(data.controls.freezes.map((x) => [x.name, x.window?.active])).toEqual([
      ['year-end', true],
      ['fridays', false],
    ]);
    expect(data.jobs.find((j) => j.name === 'bump')?.paused?.by).toBe('alice');
    expect(data.jobs.find((j) => j.name === 'move')?.frozen?.name).toBe('year-end');
    expect(data.jobs.find((j) => j.name === 'idle')?.paused).toBeNull();

    const html = renderStatusPage(data);
    expect(html).toContain('Paused, held, frozen (4)');
    expect(html).toContain('gitaly &lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<code>0123456789a</code>');
    expect(html).toContain('href="https://gitlab.example.com/org/gitlab/-/merge_requests/12"');
    expect(html).toContain('Year-end &lt;freeze&gt;');
    expect(html).toMatch(/id="job-bump"[\s\S]*?>paused</);
    expect(html).toMatch(/id="job-move"[\s\S]*?>frozen</);
  });
});
