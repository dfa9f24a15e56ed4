import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonServer, type DaemonServer } from '../../src/http/server.js';
import { createStatusRoutes } from '../../src/http/status/routes.js';
import type { RunRecord } from '../../src/store/types.js';
import { fixture, type Fixture } from './fixtures.js';
import { seedRun } from './seed.js';

/** The status routes on the daemon's HTTP server: pages, JSON twins, 404s, headers, auth, escaping. */

const EVIL = '<script>window.pwned=1</script>';
const EVIL_ATTR = '"><img src=x onerror=alert(1)>';

async function serve(f: Fixture, auth?: { token?: string; basic?: string }): Promise<DaemonServer> {
  return startDaemonServer({
    config: { host: '127.0.0.1', port: 0, ...(auth ? { auth } : {}) },
    health: async () => ({ ok: true, details: {} }),
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    routes: createStatusRoutes({ config: f.config, jobs: f.jobs, store: f.store }),
  });
}

describe('status routes', () => {
  let f: Fixture;
  let server: DaemonServer;
  let failed: RunRecord;
  let evil: RunRecord;

  beforeAll(async () => {
    f = await fixture();
    const t0 = Date.parse('2025-03-03T10:00:00Z');
    for (let i = 0; i < 5; i++)
      await seedRun(f.store, {
        job: 'bump',
        startedAt: new Date(t0 + i * 3_600_000).toISOString(),
        summary: `gitaly: up to date ${i}`,
      });
    failed = await seedRun(f.store, {
      job: 'bump',
      startedAt: new Date(t0 + 5 * 3_600_000).toISOString(),
      status: 'failed',
      summary: 'gitaly: failed: 403 Forbidden',
      error: 'gitaly: failed: 403 Forbidden',
    });
    // Everything a forge or a job can put in a run, carrying markup.
    evil = await seedRun(f.store, {
      job: 'move',
      startedAt: new Date(t0).toISOString(),
      summary: `stable ← main: ${EVIL}`,
      error: `error ${EVIL}`,
      result: {
        status: 'skipped',
        summary: `stable ← main: ${EVIL}`,
        actions: [
          {
            kind: 'move-branch',
            description: `move stable to "Fix ${EVIL}"`,
            done: false,
            url: 'javascript:alert(1)',
            subject: EVIL_ATTR,
          },
        ],
        links: [
          { text: EVIL, url: `https://gitlab.example.com/org/a/-/issues/1?q=${EVIL_ATTR}` },
          { text: 'data link', url: 'data:text/html,<script>alert(1)</script>' },
        ],
        items: [{ name: EVIL_ATTR, status: 'skipped', summary: `3 commits: Fix ${EVIL}`, links: [] }],
        details: {
          commits: [EVIL],
          pending: [{ kind: EVIL_ATTR, title: `Approve ${EVIL}`, url: 'javascript:alert(1)', since: 'x' }],
        },
      },
      logs: [JSON.stringify({ level: 30, time: t0, msg: `commit ${EVIL}`, title: EVIL_ATTR }), EVIL],
    });
    server = await serve(f);
  });
  afterAll(async () => {
    await server.close();
    await f.close();
  });

  it('serves the status page as HTML with a strict CSP that allows exactly its stylesheet', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    const body = await res.text();
    const css = /<style>([\s\S]*?)<\/style>/.exec(body)![1]!;
    expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'`);
    expect(body).toContain('<h2>bump</h2>');
    expect(body).toContain('<code>0 * * * *</code>');
    expect(body).toContain('(Europe/Amsterdam)');
    expect(body).toContain('Bumps &lt;b&gt;versions&lt;/b&gt;');
    // the strip: one linked mark per run, the failed one among them
    expect(body.match(/<a href="\/runs\/[^"]+" class="s-/g)).toHaveLength(6 + 1);
    expect(body).toContain(`<a href="/runs/${failed.id}" class="s-failed"`);
  });

  it('escapes everything that comes from runs and forges: no markup, no unsafe href', async () => {
    for (const path of ['/', `/runs/${evil.id}`]) {
      const body = await (await fetch(`${server.url}${path}`)).text();
      expect(body, path).not.toMatch(/<script/i);
      expect(body, path).not.toMatch(/<img/i);
      expect(body, path).not.toMatch(/href="(?!https?:\/\/|\/)/);
      // `javascript:` may appear as text (the details JSON), never in an attribute
      expect(body, path).not.toMatch(/="[^"]*(javascript|data):/i);
      expect(body, path).toContain('&lt;script&gt;window.pwned=1&lt;/script&gt;');
    }
    const run = await (await fetch(`${server.url}/runs/${evil.id}`)).text();
    expect(run).toContain(
      'href="https://gitlab.example.com/org/a/-/issues/1?q=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E"',
    );
    expect(run).toContain('Fix &lt;script&gt;');
    expect(run).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('serves a JSON twin of the status page', async () => {
    const res = await fetch(`${server.url}/api/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const data = (await res.json()) as {
      jobs: { name: string; runs: { id: string; status: string }[]; last: { id: string } | null }[];
      pending: { title: string; url?: string }[];
    };
    const bump = data.jobs.find((j) => j.name === 'bump')!;
    expect(bump.runs).toHaveLength(6);
    expect(bump.runs[0]).toMatchObject({ id: failed.id, status: 'failed' });
    expect(bump.last?.id).toBe(failed.id);
    expect(data.pending).toEqual([expect.objectContaining({ title: `Approve ${EVIL}` })]);
    expect(data.pending[0]!.url).toBeUndefined();
  });

  it('serves one run as HTML and as JSON, with its error', async () => {
    const page = await fetch(`${server.url}/runs/${failed.id}`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('<div class="error" id="error">gitaly: failed: 403 Forbidden</div>');
    const json = await fetch(`${server.url}/api/runs/${failed.id}`);
    expect(json.status).toBe(200);
    expect(await json.json()).toMatchObject({ run: { id: failed.id, status: 'failed', job: 'bump' } });
  });

  it('answers 404 for an unknown or malformed run id, in HTML and JSON', async () => {
    for (const id of ['no-such-run', '..%2F..%2Fetc', '%E0%A4%A', 'a'.repeat(200)]) {
      const page = await fetch(`${server.url}/runs/${id}`);
      expect(page.status, id).toBe(404);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('Not found');
      const json = await fetch(`${server.url}/api/runs/${id}`);
      expect(json.status, id).toBe(404);
      expect(await json.json()).toHaveProperty('error');
    }
    const page = await (await fetch(`${server.url}/runs/${encodeURIComponent('<b>x</b>')}`)).text();
    expect(page).not.toContain('<b>x</b>');
  });

  it('answers HEAD without a body, refuses other methods, and leaves other paths to the server', async () => {
    const head = await fetch(`${server.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${server.url}/`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('is behind the server auth when a token or basic auth is configured', async () => {
    const guarded = await serve(f, { token: 'status-token-123456', basic: 'ops:hunter2-long' });
    try {
      for (const path of ['/', '/api/status', `/runs/${failed.id}`, `/api/runs/${failed.id}`]) {
        expect((await fetch(`${guarded.url}${path}`)).status, path).toBe(401);
        const bad = await fetch(`${guarded.url}${path}`, { headers: { authorization: 'Bearer wrong' } });
        expect(bad.status, path).toBe(401);
        const bearer = await fetch(`${guarded.url}${path}`, {
          headers: { authorization: 'Bearer status-token-123456' },
        });
        expect(bearer.status, path).toBe(200);
        const basic = await fetch(`${guarded.url}${path}`, {
          headers: { authorization: `Basic ${Buffer.from('ops:hunter2-long').toString('base64')}` },
        });
        expect(basic.status, path).toBe(200);
      }
    } finally {
      await guarded.close();
    }
  });
});
