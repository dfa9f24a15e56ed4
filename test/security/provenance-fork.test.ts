import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimForge } from '../../packages/forge-sandbox/src/core/model.js';
import {
  readBody,
  startLocalServer,
  type LocalServer,
} from '../../packages/forge-sandbox/src/receivers/local-server.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';

/**
 * A bump MR whose source branch lives in a fork is not the bot's, whatever its branch is called
 * (issue 27). GitLab lists a fork's MR under the target project with the same `source_branch`
 * filter, telling it apart only by `source_project_id`; GitHub by `head.repo`. The simulator has
 * no forks, so a proxy between the bot and the simulator answers the bot's MR lookup as the forge
 * would for a fork's MR; the bot must leave it alone and write nothing.
 */

const HOUR = 3_600_000;
const BRANCH = 'release-bot/update-gitaly';

describe.each<SimForge>(['gitlab', 'github'])('update-component on %s: an MR from a fork', (forge) => {
  let h: JobHarness;
  let proxy: LocalServer;
  let asFork = false;
  const writes: string[] = [];

  /** The MR lookup of the bot's branch, answered as for a fork's MR. */
  function forked(url: URL, text: string): string {
    const lookup =
      forge === 'gitlab'
        ? url.pathname.endsWith('/merge_requests') && url.searchParams.get('source_branch') === BRANCH
        : url.pathname.endsWith('/pulls') && url.searchParams.get('head') === `org:${BRANCH}`;
    if (!asFork || !lookup) return text;
    const list = JSON.parse(text) as Record<string, unknown>[];
    for (const mr of list) {
      if (forge === 'gitlab') mr.source_project_id = 424242;
      else
        ((mr.head as { repo: { full_name: string } }).repo ??= { full_name: '' }).full_name = 'mallory/app';
    }
    return JSON.stringify(list);
  }

  beforeAll(async () => {
    let target = '';
    let bot = '';
    proxy = await startLocalServer(async (req, res) => {
      const url = new URL(req.url ?? '/', proxy.baseUrl);
      const body = await readBody(req);
      // GraphQL queries are reads; its mutations are writes.
      const graphql = url.pathname.endsWith('/graphql')
        ? String((JSON.parse(body.toString() || '{}') as { query?: string }).query)
        : '';
      if (
        asFork &&
        req.method !== 'GET' &&
        req.method !== 'HEAD' &&
        (!graphql || /^\s*mutation/.test(graphql))
      )
        writes.push(
          `${req.method} ${url.pathname} ${/mutation[^{]*\{\s*(\w+)/.exec(graphql)?.[1] ?? ''}`.trim(),
        );
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers.set(k, v);
      const answer = await fetch(`${target}${url.pathname}${url.search}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
        redirect: 'manual',
      });
      const text = forked(url, (await answer.text()).replaceAll(target, proxy.baseUrl));
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding') out[k] = v;
      });
      res.writeHead(answer.status, out);
      res.end(text);
    });
    h = await jobHarness({
      seed: async (sim, botToken) => {
        target = sim[forge].url;
        bot = botToken;
        const gitaly = await sim.createProject({ forge, path: 'org/gitaly', members: ['release-bot:20'] });
        const c1 = (await gitaly.repo.branchSha('main'))!;
        await sim.ci.createPipeline({ project: gitaly, ref: 'main', sha: c1, userId: 1 });
        await sim.createProject({
          forge,
          path: 'org/target',
          members: ['release-bot:40'],
          files: { GITALY_SERVER_VERSION: `${c1}\n` },
          protectedBranches: ['main'],
        });
        // the MR's pipeline keeps running, so the MR stays open
        sim.setCi(forge, 'org/target', { branch: BRANCH }, { result: 'stuck' });
        const c2 = await sim.push({ forge, project: 'org/gitaly', files: { 'a.go': '1' }, message: 'Add a' });
        await sim.ci.createPipeline({ project: gitaly, ref: 'main', sha: c2, userId: 1 });
        await sim.advance(HOUR);
      },
      extra: () => ({
        forges: {
          [forge]: {
            type: forge,
            url: proxy.baseUrl,
            ...(forge === 'github' ? { apiUrl: proxy.baseUrl } : {}),
            token: bot,
            retries: 0,
          },
        },
      }),
      jobsConfig: () => ({
        'update-component': {
          components: [
            {
              name: 'gitaly',
              source: { forge, project: 'org/gitaly' },
              target: { forge, project: 'org/target', versionFile: 'GITALY_SERVER_VERSION' },
            },
          ],
        },
      }),
    });
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
  });

  it('leaves a look-alike MR from a fork alone: no write, reported once', async () => {
    // the bot's own MR exists; from now on the forge says it comes from a fork
    expect((await h.run('update-component')).run.status).toBe('ok');
    const project = h.sim.project(forge, 'org/target');
    const mr = h.sim.world.mergeRequests.find((m) => m.projectId === project.id)!;
    const head = await project.repo.branchSha(BRANCH);
    await h.sim.push({ forge, project: 'org/gitaly', files: { 'b.go': '2' }, message: 'Add b' });
    await h.sim.ci.createPipeline({
      project: h.sim.project(forge, 'org/gitaly'),
      ref: 'main',
      sha: (await h.sim.project(forge, 'org/gitaly').repo.branchSha('main'))!,
      userId: 1,
    });
    await h.sim.advance(HOUR);
    asFork = true;
    const { run } = await h.run('update-component');
    expect(run.summary).toContain('its source branch is in a fork');
    expect(run.summary).not.toContain(`delete branch ${BRANCH}`);
    // nothing written but the report: no reset of the branch, no MR update, no auto-merge
    expect(
      writes.filter((w) => !/disablePullRequestAutoMerge|cancel_merge_when_pipeline_succeeds/.test(w)),
    ).toEqual([]);
    expect(await project.repo.branchSha(BRANCH)).toBe(head);
    expect(mr.state).toBe('opened');
    expect(h.slack.messages.filter((m) => m.payload.text?.includes('did not make'))).toHaveLength(1);
  });
});
