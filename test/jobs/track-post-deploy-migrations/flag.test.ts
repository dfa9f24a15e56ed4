import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whichPackage } from '../../../jobs/track-post-deploy-migrations/index.js';
import { loadRecords } from '../../../src/domain/post-migration-records.js';
import type { SimIssue } from '../../../packages/forge-sandbox/src/core/model.js';
import type { JobHarness } from '../../helpers/job-harness.js';
import { cutPackage, harness, HOUR, notesOn, releaseIssue, ship, writes } from './fixtures.js';

/** The flag post_deploy_migrations_note: off → recorded, not posted; read from GitLab feature flags (Unleash API). */

const JOB = 'track-post-deploy-migrations';

describe('post_deploy_migrations_note off (config value)', () => {
  let h: JobHarness;
  let issue: SimIssue;

  beforeAll(async () => {
    h = await harness(
      async (sim) => {
        await sim.advance(HOUR);
        await ship(sim, await cutPackage(sim, { 'app/a.rb': 'a\n' }));
        issue = releaseIssue(sim, '14.8');
      },
      { postDeployMigrationsNote: false },
    );
    await h.run(JOB);
  });
  afterAll(() => h.close());

  it('records the post-migrations and posts nothing', async () => {
    const pkg = await cutPackage(h.sim, { 'db/post_migrate/20220301000000_flag_off.rb': 'f\n' });
    await ship(h.sim, pkg);
    const since = h.sim.mark();
    const { run } = await h.run(JOB);
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('recorded only (post_deploy_migrations_note is off)');
    expect(writes(h.sim, since)).toEqual([]);
    expect(notesOn(h.sim, issue)).toHaveLength(0);
    const record = (await loadRecords(h.app.store)).find((r) => r.version === pkg.version)!;
    expect(record.analysis!.migrations).toEqual(['db/post_migrate/20220301000000_flag_off.rb']);
    expect(record.note).toEqual({ state: 'disabled' });
    const [match] = await whichPackage(h.app.store, '20220301000000');
    expect(match!.package.version).toBe(pkg.version);
    expect((await h.run(JOB)).run.status).toBe('noop');
  });
});

describe('post_deploy_migrations_note from GitLab feature flags', () => {
  let h: JobHarness;
  let issue: SimIssue;
  let server: Server;
  let answer: { status: number; enabled: boolean } = { status: 200, enabled: false };
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      if (req.url !== '/api/v4/feature_flags/unleash/217/client/features' || answer.status !== 200) {
        res.writeHead(answer.status === 200 ? 404 : answer.status).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          version: 1,
          features: [
            { name: 'other_flag', enabled: true, strategies: [{ name: 'default', parameters: {} }] },
            {
              name: 'post_deploy_migrations_note',
              enabled: answer.enabled,
              strategies: [{ name: 'default', parameters: {} }],
            },
          ],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    h = await harness(
      async (sim) => {
        await sim.advance(HOUR);
        await ship(sim, await cutPackage(sim, { 'app/a.rb': 'a\n' }));
        issue = releaseIssue(sim, '14.8');
      },
      {
        postDeployMigrationsNote: false,
        featureFlags: {
          url: `http://127.0.0.1:${port}/api/v4/feature_flags/unleash/217`,
          instanceId: 'unleash-instance-secret',
          appName: 'gprd',
        },
      },
    );
    await h.run(JOB);
  });
  afterAll(async () => {
    await h.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads the flag with the instance ID and app name: disabled there → not posted', async () => {
    const pkg = await cutPackage(h.sim, { 'db/post_migrate/20220302000000_remote_off.rb': 'o\n' });
    await ship(h.sim, pkg);
    const { run } = await h.run(JOB);
    expect(run.status).toBe('ok');
    expect(notesOn(h.sim, issue)).toHaveLength(0);
    expect(seen.at(-1)).toMatchObject({
      'unleash-instanceid': 'unleash-instance-secret',
      'unleash-appname': 'gprd',
    });
  });

  it('keeps a note waiting while the flag cannot be read, and posts it once it reads on', async () => {
    answer = { status: 503, enabled: true };
    const pkg = await cutPackage(h.sim, { 'db/post_migrate/20220303000000_remote_on.rb': 'n\n' });
    await ship(h.sim, pkg);
    const first = await h.run(JOB);
    expect(first.run.status).toBe('failed');
    expect(first.run.summary).toMatch(
      /note waits: feature flags at http:\/\/127\.0\.0\.1:\d+\/.* answered 503/,
    );
    expect(notesOn(h.sim, issue)).toHaveLength(0);

    answer = { status: 200, enabled: true };
    const { run } = await h.run(JOB);
    expect(run.status).toBe('ok');
    const notes = notesOn(h.sim, issue);
    expect(notes.map((n) => n.body.split('\n')[0])).toEqual([pkg.version]);
    expect((await h.run(JOB)).run.status).toBe('noop');
  });
});
