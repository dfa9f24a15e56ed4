import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../app/app.js';
import { jobs } from '../../app/jobs.js';
import type { Config } from '../../src/config/schema.js';
import { startDaemonServer, type DaemonServer } from '../../src/http/server.js';
import { createStatusRoutes } from '../../src/http/status/routes.js';
import { silentLogger } from '../../src/log/logger.js';
import { applyVerdicts } from '../../src/runner/verdicts.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { seedRun } from '../http/seed.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The status page in headless Chromium with an open alert: a green `ok` run of verify-deployment
 * that found a failed deploy. The alert is red, on top, under "Waiting for a human", with its link
 * and next step, above every job card. Screenshot: <os tmpdir>/release-bot-artifacts/alerts/.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(tmpdir(), 'release-bot-artifacts', 'alerts');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`[skipped] alert status page browser test: ${CHROMIUM} is missing`);

describe.skipIf(!haveChromium)('an open alert on the status page, in a browser', () => {
  const tmp = tempDir('release-bot-alert-page-');
  let store: Store;
  let server: DaemonServer;
  let browser: Browser;

  beforeAll(async () => {
    const launching = chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    store = openSqliteStore(join(tmp.dir, 'state.db'));
    await store.migrate();
    const config = configSchema().parse({
      timezone: 'UTC',
      store: { path: join(tmp.dir, 'state.db') },
    }) as Config;
    const at = new Date(Date.now() - 20 * 60_000);
    await seedRun(store, {
      job: 'heartbeat',
      startedAt: new Date(Date.now() - 30 * 60_000).toISOString(),
      summary: 'all forges answer',
    });
    const run = await seedRun(store, {
      job: 'verify-deployment',
      startedAt: at.toISOString(),
      status: 'ok',
      summary: 'production #42 (14.8.202212041010-abc, abc1234) FAILED (health readiness)',
    });
    await applyVerdicts({
      store,
      job: 'verify-deployment',
      runId: run.id,
      now: at,
      log: silentLogger(),
      verdicts: [
        {
          subject: 'deployment:production',
          verdict: 'alert',
          title: 'production #42 (14.8.202212041010-abc, abc1234) failed verification',
          reason: 'health readiness: HTTP 503 in 5 of 6 samples',
          url: 'https://gitlab.example.com/org/deployer/-/environments/1/deployments/42',
          nextStep:
            'Roll back or fix forward; the alert closes when a later deployment to production passes verification.',
        },
      ],
    });
    server = await startDaemonServer({
      config: { host: '127.0.0.1', port: 0 },
      health: async () => ({ ok: true, details: {} }),
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      routes: createStatusRoutes({ config, jobs, store }),
    });
    browser = await launching;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    tmp.cleanup();
  });

  it('shows the alert red and on top, with its link and next step', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/`);
    const alert = page.locator('#pending ul.alerts li.alert').first();
    expect(await alert.count()).toBe(1);
    const link = alert.locator('a.alert-link');
    expect(await link.textContent()).toContain('production #42');
    expect(await link.getAttribute('href')).toBe(
      'https://gitlab.example.com/org/deployer/-/environments/1/deployments/42',
    );
    expect(await alert.locator('.next-step').textContent()).toContain('Roll back or fix forward');
    expect(await alert.locator('.alert-reason').textContent()).toContain('HTTP 503');
    // Red, not the yellow of a pending approval.
    // A function-like string: runs in the page, where getComputedStyle exists (no DOM lib here).
    const colors = (await page.evaluate(
      `(() => { const s = getComputedStyle(document.querySelector('#pending li.alert')); return { background: s.backgroundColor, border: s.borderTopColor }; })()`,
    )) as { background: string; border: string };
    expect(colors.border).toBe('rgb(207, 34, 46)');
    expect(colors.background).toBe('rgb(255, 235, 233)');
    // On top: above every job card.
    const alertTop = (await alert.boundingBox())!.y;
    const firstCard = (await page.locator('section.job').first().boundingBox())!.y;
    expect(alertTop).toBeLessThan(firstCard);
    // The job's own card says so too, even though its last run is a green ok.
    expect(await page.locator('#job-verify-deployment .badge.s-alert').textContent()).toBe('1 alert open');
    expect(await page.locator('#job-verify-deployment .job-head .badge.s-ok').count()).toBe(1);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'status-alert.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'status-alert.png'))).toBe(true);

    const api = (await (await page.request.get(`${server.url}/api/status`)).json()) as {
      alerts: { subject: string; nextStep: string }[];
    };
    expect(api.alerts.map((a) => a.subject)).toEqual(['deployment:production']);
    await page.close();
  }, 60_000);
});
