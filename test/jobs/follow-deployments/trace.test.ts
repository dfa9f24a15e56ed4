import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bumpBranch, BUMP_MARKER_KIND } from '../../../src/domain/bump.js';
import { recordDeployVerdict, VERIFY_JOB } from '../../../src/domain/deploy-verdicts.js';
import type { Forge } from '../../../src/forges/types.js';
import { traceRoutes } from '../../../src/http/status/trace-page.js';
import { marker } from '../../../src/kit/marker.js';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import { runCli } from '../../helpers/cli.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { forgeAs, mergeInSimulator } from './world.js';

/**
 * A failed deployment that carried a bump is said once with verify-deployment's verdict; a dry
 * run writes nothing; `release-bot trace` (the built CLI) and the status page answer with the
 * documented exit codes: merged, on staging, on production, rolled back, unknown.
 */

const APP = 'org/app';
const JOB = 'follow-deployments';

describe.each(['gitlab', 'github'] as const)('follow-deployments trace on %s', (kind: SimForge) => {
  let h: JobHarness;
  let bot: Forge;
  let to = '';
  let before = '';
  let merged = '';
  let server: Server;
  let base = '';

  async function trace(sha: string) {
    const r = await runCli(['-c', join(h.dir, 'release-bot.yaml'), 'trace', 'gitaly', sha, '--json']);
    return { code: r.code, answer: JSON.parse(r.stdout || '{}') as { status: string; summary: string } };
  }

  beforeAll(async () => {
    h = await jobHarness({
      seed: async (sim) => {
        await sim.createProject({
          forge: kind,
          path: 'org/gitaly',
          members: ['release-bot:30'],
          ciEnabled: false,
        });
        await sim.createProject({
          forge: kind,
          path: APP,
          members: ['release-bot:30'],
          files: { GITALY_SERVER_VERSION: 'x\n' },
          ciEnabled: false,
        });
      },
      jobsConfig: () => ({
        [JOB]: {
          forge: kind,
          project: APP,
          slackChannel: 'releases',
          environments: [
            { name: 'gstg', label: 'workflow::staging' },
            { name: 'gprd', label: 'workflow::production' },
          ],
          components: [{ name: 'gitaly', source: { forge: kind, project: 'org/gitaly' } }],
        },
      }),
    });
    bot = forgeAs(h.sim, kind, h.botToken);
    const project = h.sim.project(kind, APP);
    before = (await project.repo.branchSha('main'))!;
    to = (await h.sim.project(kind, 'org/gitaly').repo.branchSha('main'))!;
    await h.sim.push({
      forge: kind,
      project: APP,
      branch: bumpBranch('gitaly'),
      files: { GITALY_SERVER_VERSION: `${to}\n` },
      message: 'Update gitaly',
      username: 'release-bot',
    });
    const mr = await bot.changeRequests.create(APP, {
      sourceBranch: bumpBranch('gitaly'),
      targetBranch: 'main',
      title: 'Update gitaly version',
      description: marker(BUMP_MARKER_KIND, { component: 'gitaly', sha: to, from: null }),
    });
    await mergeInSimulator(h.sim, kind, APP, mr.iid, 'release-bot');
    merged = (await project.repo.branchSha('main'))!;
    await h.sim.advance(60_000);
    const handler = traceRoutes(h.app.store)[0]!;
    server = createServer((req, res) => {
      void Promise.resolve(handler(req, res, new URL(req.url ?? '/', 'http://x'))).then((done) => {
        if (!done) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.close();
    await h?.close();
  });

  it('a dry run plans the effects and writes nothing', async () => {
    await h.sim.deploy({
      forge: kind,
      project: APP,
      environment: 'gstg',
      ref: 'main',
      sha: merged,
      status: 'failed',
    });
    await h.sim.advance(60_000);
    const since = h.sim.mark();
    const { run, result } = await h.run(JOB, { dryRun: true });
    expect(run.dryRun).toBe(true);
    expect(result?.actions.map((a) => a.kind)).toEqual(['event-slack']);
    expect(h.sim.requests({ since }).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(h.slack.messages).toEqual([]);
    expect((await trace(to)).code).toBe(3); // a dry run recorded nothing
  });

  it('a failed deployment that carried the bump is said once, with the verify-deployment verdict', async () => {
    const [failed] = await bot.deployments.list(APP, { environment: 'gstg', limit: 1 });
    await recordDeployVerdict(
      { set: (key, value) => h.app.store.setState(VERIFY_JOB, key, value) },
      {
        version: failed!.version ?? failed!.ref,
        target: 'app',
        environment: 'gstg',
        forge: kind,
        project: APP,
        deployment: { id: failed!.id, sha: failed!.sha, url: failed!.webUrl },
        verdict: 'fail',
        summary: 'error rate 4.1% > 1%',
        rolledBack: null,
        at: new Date().toISOString(),
        runId: 'r1',
        links: [],
      },
    );
    await h.run(JOB);
    await h.run(JOB);
    const texts = h.slack.messages.map((m) => JSON.stringify(m.payload));
    expect(texts.filter((t) => t.includes('failed; it carried'))).toHaveLength(1);
    expect(texts[0]).toContain('error rate 4.1%');
    const { code, answer } = await trace(to);
    expect(code).toBe(4);
    expect(answer.status).toBe('merged');
  });

  it('trace: on staging (5), on production (0), rolled back (6), unknown (3), not a sha (2); the status page agrees', async () => {
    await h.sim.deploy({ forge: kind, project: APP, environment: 'gstg', ref: 'main', sha: merged });
    await h.sim.advance(60_000);
    await h.run(JOB);
    expect((await trace(to.slice(0, 10))).code).toBe(5);
    await h.sim.deploy({ forge: kind, project: APP, environment: 'gprd', ref: 'main', sha: merged });
    await h.sim.advance(60_000);
    await h.run(JOB);
    const production = await trace(to);
    expect(production.code).toBe(0);
    expect(production.answer.summary).toContain('on gprd since');
    const page = await fetch(`${base}/trace/gitaly/${to}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('on gprd since');
    const api = (await (await fetch(`${base}/api/trace/gitaly/${to}`)).json()) as { exitCode: number };
    expect(api.exitCode).toBe(0);
    expect((await fetch(`${base}/trace/gitaly/not-a-sha`)).status).toBe(404);

    await h.sim.deploy({ forge: kind, project: APP, environment: 'gprd', ref: 'main', sha: before });
    await h.sim.advance(60_000);
    await h.run(JOB);
    expect((await trace(to)).code).toBe(6);
    expect((await trace('0123456789abcdef')).code).toBe(3);
    expect((await runCli(['-c', join(h.dir, 'release-bot.yaml'), 'trace', 'gitaly', 'xyz'])).code).toBe(2);
  });
});
