import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimForge } from '../../packages/forge-sandbox/src/core/model.js';
import {
  readBody,
  startLocalServer,
  type LocalServer,
} from '../../packages/forge-sandbox/src/receivers/local-server.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';

/**
 * A hostile answer in a real run, on both forges: between the bot and the simulator sits a proxy
 * that answers the bot's "merge requests from release-bot/update-gitaly" lookup with the merge
 * requests of a developer's branch instead (as a compromised or buggy forge or proxy could).
 * Without answer validation update-component adopts that MR as its own bump; with it, the run
 * fails at the lookup, naming the operation and the field, and the developer's MR is untouched.
 */

const HOUR = 3_600_000;
const BOT_BRANCH = 'release-bot/update-gitaly';
const EVIL_BRANCH = 'feature/evil';

/** The forge's "MRs from this branch" query, rewritten to ask for the developer's branch. */
function redirectLookup(forge: SimForge, url: URL): void {
  if (forge === 'gitlab') {
    if (url.pathname.endsWith('/merge_requests') && url.searchParams.get('source_branch') === BOT_BRANCH)
      url.searchParams.set('source_branch', EVIL_BRANCH);
  } else if (url.pathname.endsWith('/pulls') && url.searchParams.get('head') === `org:${BOT_BRANCH}`) {
    url.searchParams.set('head', `org:${EVIL_BRANCH}`);
  }
}

describe.each<SimForge>(['gitlab', 'github'])(
  'update-component on %s against a forge that answers another branch’s MR',
  (forge) => {
    let h: JobHarness;
    let proxy: LocalServer;
    let evilIid = 0;
    const forwarded: { method: string; path: string }[] = [];

    beforeAll(async () => {
      // The proxy's origin is known before the harness writes its config; it forwards to the simulator once it runs.
      let target = '';
      let bot = '';
      proxy = await startLocalServer(async (req, res) => {
        const url = new URL(req.url ?? '/', proxy.baseUrl);
        forwarded.push({ method: req.method ?? 'GET', path: decodeURIComponent(url.pathname) });
        redirectLookup(forge, url);
        const body = await readBody(req);
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers.set(k, v);
        const answer = await fetch(`${target}${url.pathname}${url.search}`, {
          method: req.method,
          headers,
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
          redirect: 'manual',
        });
        // Links in answers point at the proxy, the forge the bot is configured with.
        const text = (await answer.text()).replaceAll(target, proxy.baseUrl);
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
          const devToken = sim.createUser('dev').token;
          const gitaly = await sim.createProject({
            forge,
            path: 'org/gitaly',
            members: ['release-bot:20'],
          });
          const c1 = (await gitaly.repo.branchSha('main'))!;
          await sim.ci.createPipeline({ project: gitaly, ref: 'main', sha: c1, userId: 1 });
          await sim.createProject({
            forge,
            path: 'org/target',
            members: ['release-bot:30', 'dev:30'],
            files: { GITALY_SERVER_VERSION: `${c1}\n` },
          });
          const c2 = await sim.push({
            forge,
            project: 'org/gitaly',
            files: { 'a.go': '1' },
            message: 'Add a',
            username: 'release-bot',
          });
          await sim.ci.createPipeline({ project: gitaly, ref: 'main', sha: c2, userId: 1 });
          // The developer's branch: the right version file plus something else.
          await sim.push({
            forge,
            project: 'org/target',
            branch: EVIL_BRANCH,
            files: { GITALY_SERVER_VERSION: `${c2}\n`, 'backdoor.rb': 'system(ARGV[0])\n' },
            message: 'Update gitaly version',
            username: 'dev',
          });
          const created =
            forge === 'gitlab'
              ? await fetch(`${target}/api/v4/projects/org%2Ftarget/merge_requests`, {
                  method: 'POST',
                  headers: { 'private-token': devToken, 'content-type': 'application/json' },
                  body: JSON.stringify({
                    source_branch: EVIL_BRANCH,
                    target_branch: 'main',
                    title: 'Update gitaly version',
                  }),
                })
              : await fetch(`${sim.github.apiUrl}/repos/org/target/pulls`, {
                  method: 'POST',
                  headers: { authorization: `Bearer ${devToken}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ head: EVIL_BRANCH, base: 'main', title: 'Update gitaly version' }),
                });
          expect(created.status).toBe(201);
          const answer = (await created.json()) as { iid?: number; number?: number };
          evilIid = answer.iid ?? answer.number!;
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
    }, 120_000);
    afterAll(async () => {
      await h?.close();
      await proxy?.close();
    });

    it('the run fails at the lookup, names it, and leaves the developer’s MR alone', async () => {
      const { run } = await h.run('update-component');
      expect(run.status).toBe('failed');
      expect(JSON.stringify(run)).toMatch(/changeRequests\.list answered an invalid \[0\]\.sourceBranch/);
      const mrWrites = forwarded.filter(
        (r) =>
          r.method !== 'GET' && new RegExp(`/(merge_requests|pulls|issues)/${evilIid}(/|$)`).test(r.path),
      );
      expect(mrWrites).toEqual([]);
      const mr = h.sim.world.mergeRequests.find(
        (m) => m.projectId === h.sim.project(forge, 'org/target').id && m.iid === evilIid,
      )!;
      expect(mr).toMatchObject({ state: 'opened', autoMerge: null });
    }, 120_000);
  },
);
