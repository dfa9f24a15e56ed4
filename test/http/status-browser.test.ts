import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../packages/forge-sandbox/src/receivers/local-server.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { collect, ROOT, spawnCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { seedRun } from './seed.js';

/**
 * The status page in a real headless Chromium, served by `release-bot start` (a child process)
 * while it runs update-component and heartbeat on the simulator. move-stable-branches is not in
 * the registry yet, so its pending approval is a run record seeded through the documented
 * convention (`details.pending`), as the job will write it.
 */

const CHROMIUM = '/usr/bin/chromium';
const HOUR = 3_600_000;
const ARTIFACTS = join(ROOT, 'test-artifacts');
const EVIL_TITLE = 'Fix <script>window.__pwned = 1</script> in the parser';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`[skipped] status page browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);

interface ApiStatus {
  jobs: { name: string; runs: { id: string; status: string }[] }[];
}

describe.skipIf(!haveChromium)('status page in a browser', () => {
  const tmp = tempDir('release-bot-status-e2e-');
  const db = join(tmp.dir, 'state.db');
  let sim: Simulator;
  let launching: Promise<Browser> | undefined;
  let browser: Browser;
  let daemon: ReturnType<typeof spawnCli>;
  let exited: Promise<CliResult>;
  let url: string;
  let issueUrl: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    // Chromium starts while the simulator, the store and the daemon get ready.
    launching = chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    sim = await startSimulator({ dir: join(tmp.dir, 'sim') });
    const { token } = sim.createUser('release-bot', { bot: true });
    sim.createUser('alice');
    const gitaly = await sim.createProject({
      forge: 'gitlab',
      path: 'org/gitaly',
      defaultBranch: 'master',
      members: ['release-bot:20', 'alice'],
    });
    const c1 = (await gitaly.repo.branchSha('master'))!;
    await sim.ci.createPipeline({
      project: gitaly,
      ref: 'master',
      sha: c1,
      userId: 1,
      outcome: { result: 'success' },
    });
    await sim.advance(HOUR);
    await sim.createProject({
      forge: 'gitlab',
      path: 'org/gitlab',
      defaultBranch: 'main',
      members: ['release-bot:30', 'alice'],
      files: { GITALY_SERVER_VERSION: `${c1}\n` },
    });
    await sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      branch: 'master',
      files: { 'a.go': '2' },
      message: 'Add a',
      username: 'alice',
    });
    await sim.advance(HOUR);
    // The MR pipeline never finishes, so the version MR stays open.
    sim.setCi('gitlab', 'org/gitlab', { branch: 'release-bot/update-gitaly' }, { result: 'stuck' });
    // The first update-component run is refused by GitLab: a failed run on the page.
    sim.addFault({
      forge: 'gitlab',
      route: 'GET /api/v4/projects/:id/pipelines',
      errorRate: 1,
      statuses: [403],
      times: 1,
    });
    const issue = sim.createIssue({
      forge: 'gitlab',
      project: 'org/gitlab',
      title: 'Approve moving stable (plan a1b2c3)',
      username: 'release-bot',
    });
    issueUrl = `${sim.gitlab.url}/org/gitlab/-/issues/${issue.iid}`;

    // What move-stable-branches records while it waits for an approval (details.pending).
    const store = openSqliteStore(db);
    await store.migrate();
    await seedRun(store, {
      job: 'move-stable-branches',
      startedAt: new Date(Date.now() - 20 * 60_000).toISOString(),
      status: 'skipped',
      summary: `waiting for approval: stable ← main in org/gitlab (3 commits, newest "${EVIL_TITLE}")`,
      result: {
        status: 'skipped',
        summary: 'waiting for approval',
        actions: [{ kind: 'open-issue', description: 'asked for approval', done: true, url: issueUrl }],
        links: [{ text: 'approval issue', url: issueUrl }],
        items: [
          { name: 'org/gitlab', status: 'skipped', summary: `3 commits, newest "${EVIL_TITLE}"`, links: [] },
        ],
        details: {
          pending: [
            {
              kind: 'approval',
              title: 'Approve moving stable to main (plan a1b2c3)',
              url: issueUrl,
              since: new Date(Date.now() - 20 * 60_000).toISOString(),
            },
          ],
        },
      },
    });
    await store.close();

    const config = join(tmp.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'timezone: Europe/Berlin',
        'forges:',
        `  gitlab: { type: gitlab, url: "${sim.gitlab.url}", token: "${token}", retries: 0 }`,
        `store: { path: ${JSON.stringify(db)} }`,
        'server: { host: 127.0.0.1, port: 0 }',
        'runner: { shutdownGraceSeconds: 2 }',
        'jobs:',
        "  heartbeat: { schedule: '*/3 * * * * *' }",
        '  update-component:',
        "    schedule: '* * * * * *'",
        '    timezone: America/New_York',
        '    components:',
        '      - name: gitaly',
        '        source: { forge: gitlab, project: org/gitaly }',
        '        target: { forge: gitlab, project: org/gitlab, versionFile: GITALY_SERVER_VERSION }',
      ].join('\n'),
    );
    daemon = spawnCli(['--config', config, 'start']);
    exited = collect(daemon);
    let stderr = '';
    daemon.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    url = await pollUntil(
      () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr)?.[1],
      40_000,
      'the daemon',
    );

    // Wait until the daemon has run update-component both ways: refused (failed), then the MR.
    const deadline = Date.now() + 40_000;
    for (;;) {
      const status = (await (await fetch(`${url}/api/status`)).json()) as ApiStatus;
      const runs = status.jobs.find((j) => j.name === 'update-component')?.runs ?? [];
      if (runs.some((r) => r.status === 'failed') && runs.some((r) => r.status === 'ok')) break;
      if (Date.now() > deadline) throw new Error(`no failed and ok update-component runs yet:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    browser = await launching;
  }, 120_000);

  afterAll(async () => {
    await (await launching?.catch(() => undefined))?.close();
    if (daemon && daemon.exitCode === null) daemon.kill('SIGTERM');
    const result = exited ? await exited : undefined;
    await sim?.close();
    tmp.cleanup();
    expect(result?.code).toBe(0);
  }, 30_000);

  it('shows the jobs, the pending approval, a failed run to click into, and commit titles as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}/`);

    // every configured job, with its schedule in its time zone
    await expect(page.locator('#job-update-component h2').textContent()).resolves.toBe('update-component');
    await expect(page.locator('#job-heartbeat h2').textContent()).resolves.toBe('heartbeat');
    const schedule = await page.locator('#job-update-component .schedule').textContent();
    expect(schedule).toContain('* * * * * *');
    expect(schedule).toContain('America/New_York');
    // the last result links to the version MR
    const mrLink = page.locator('#job-update-component dd.links a', { hasText: 'gitaly MR' });
    expect(await mrLink.getAttribute('href')).toMatch(/\/org\/gitlab\/-\/merge_requests\/1$/);

    // pending approval on top, linking to the issue
    const pending = page.locator('#pending a.pending-link');
    expect(await pending.textContent()).toBe('Approve moving stable to main (plan a1b2c3)');
    expect(await pending.getAttribute('href')).toBe(issueUrl);

    // the commit title with <script> is text, and nothing ran
    const summary = await page.locator('#job-move-stable-branches dd.summary').textContent();
    expect(summary).toContain(EVIL_TITLE);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('script').count()).toBe(0);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });

    // a failed run is visible on the strip; clicking it opens its page with the error
    const failedMark = page.locator('#job-update-component svg.strip a.s-failed').first();
    expect(await failedMark.count()).toBe(1);
    await failedMark.click();
    await page.waitForURL(/\/runs\/[\w-]+$/);
    expect(await page.locator('#run .job-head .badge.s-failed').count()).toBe(1);
    expect(await page.locator('#run h2').textContent()).toContain('update-component');
    expect(await page.locator('#run td.summary').first().textContent()).toMatch(/403/);
    expect(await page.locator('ol.log li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'status-run.png'), fullPage: true });

    // the seeded run's page shows the commit title as text too
    await page.goto(`${url}/`);
    await page.locator('#job-move-stable-branches a.last-run').click();
    await page.waitForURL(/\/runs\//);
    expect(await page.locator('#run td.summary').first().textContent()).toContain(EVIL_TITLE);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();

    // an unknown run is a 404 page
    const missing = await page.goto(`${url}/runs/no-such-run`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator('h2').textContent()).toBe('Not found');

    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000); // ~10 s alone; room for a loaded CI host
});
