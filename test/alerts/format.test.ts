import { describe, expect, it } from 'vitest';
import { formatHistory, formatRun } from '../../app/commands/format.js';
import type { JobResult } from '../../src/runner/job.js';
import { runRecord } from '../http/seed.js';

/** `release-bot history` marks runs that found a problem; `show` lists the verdicts with the next step. */

const result: JobResult = {
  status: 'ok',
  summary: 'production #42 FAILED',
  actions: [],
  links: [],
  verdicts: [
    {
      subject: 'deployment:production',
      verdict: 'alert',
      title: 'production #42 failed verification',
      reason: 'health readiness: 503',
      url: 'https://gitlab.example.com/d/42',
      nextStep: 'Roll back or fix forward.',
    },
    { subject: 'deployment:staging', verdict: 'healthy', title: 'staging #41 passed verification' },
  ],
};

describe('history and show with verdicts', () => {
  it('marks the run in history and lists verdicts in show', () => {
    const alerted = runRecord({ job: 'verify-deployment', startedAt: '2026-12-04T10:00:00Z', result });
    const quiet = runRecord({ job: 'verify-deployment', startedAt: '2026-12-04T10:01:00Z', status: 'noop' });
    const history = formatHistory([quiet, alerted]);
    expect(history).toContain('✓ ok ⚠ alert');
    expect(history.split('\n')[1]).not.toContain('alert');

    const shown = formatRun(alerted, result);
    expect(shown).toContain('Verdicts:');
    expect(shown).toContain(
      '⚠ ALERT [deployment:production] production #42 failed verification — health readiness: 503',
    );
    expect(shown).toContain('next: Roll back or fix forward.');
    expect(shown).toContain('✓ HEALTHY [deployment:staging]');
  });
});
