import { jobs } from '../jobs.js';
import { loadAppConfig } from '../app.js';
import type { Config } from '../../src/config/schema.js';
import { nextRuns, timeIn } from '../../src/kit/time.js';
import { jobSettings } from '../../src/runner/settings.js';
import { openExistingStore } from '../../src/store/open.js';
import type { RunRecord } from '../../src/store/types.js';
import { EXIT } from './exit.js';
import { mark, table } from './format.js';

/** `release-bot list`: what is scheduled, when it runs next, and how it last went. */

export interface JobListing {
  name: string;
  description: string;
  enabled: boolean;
  configured: boolean;
  schedule: string;
  timezone: string;
  nextRuns: string[];
  lastRun: { id: string; status: string; startedAt: string; summary: string } | null;
}

/** What `list` shows for each job, next runs counted from `now` (the scheduler's computation). */
export function jobListings(config: Config, last: Record<string, RunRecord>, now = new Date()): JobListing[] {
  return jobs.map((job) => {
    // A job without a config section is listed with its defaults (its options may be required).
    const s = config.jobs[job.name]
      ? jobSettings(config, job)
      : { enabled: false, configured: false, schedule: job.schedule, timezone: config.timezone };
    const run = last[job.name];
    return {
      name: job.name,
      description: job.description,
      enabled: s.enabled && s.configured,
      configured: s.configured,
      schedule: s.schedule,
      timezone: s.timezone,
      nextRuns:
        s.enabled && s.configured ? nextRuns(s.schedule, s.timezone, 3, now).map((d) => d.toISOString()) : [],
      lastRun: run
        ? { id: run.id, status: run.status, startedAt: run.startedAt, summary: run.summary }
        : null,
    };
  });
}

export async function listCommand(options: { json?: boolean }, global: { config?: string }): Promise<number> {
  const { config } = await loadAppConfig({ configPath: global.config });
  const store = await openExistingStore(config.store);
  const last = store ? await store.lastRuns() : {};
  await store?.close();
  const listings = jobListings(config, last);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(listings, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = listings.map((l) => [
    l.name,
    !l.configured ? 'not configured' : l.enabled ? l.schedule : 'disabled',
    l.timezone,
    l.nextRuns.map((d) => timeIn(d, l.timezone).slice(0, -3)).join(', ') || '-',
    l.lastRun
      ? `${mark(l.lastRun.status)} ${l.lastRun.status} ${l.lastRun.startedAt.slice(0, 16).replace('T', ' ')}`
      : '-',
  ]);
  process.stdout.write(`${table(rows, ['JOB', 'SCHEDULE', 'TZ', 'NEXT RUNS (local)', 'LAST RUN (UTC)'])}\n`);
  return EXIT.ok;
}
