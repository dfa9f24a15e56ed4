import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitlabForge } from '../../src/forges/gitlab/index.js';
import type { Forge } from '../../src/forges/types.js';
import {
  readBody,
  startLocalServer,
  type LocalServer,
} from '../../packages/forge-sandbox/src/receivers/local-server.js';
import { assertNoCanary, canaryToken } from '../support/canary.js';

/**
 * The GitLab token goes only to the GitLab origin it is configured for. GitLab answers package
 * downloads with a redirect to object storage, and a proxy or a compromised instance can redirect
 * anything: the API client (gitbeaker and our own fetch) and git (the push that moves a branch)
 * must follow such a redirect without the token. The GitHub side is in test/forges/github.
 */

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

describe('GitLab: tokens only go to their own forge host', () => {
  const token = canaryToken('glpat');
  let gitlab: LocalServer;
  let storage: LocalServer;
  let forge: Forge;
  const atGitlab: Seen[] = [];
  const atStorage: Seen[] = [];

  beforeAll(async () => {
    storage = await startLocalServer(async (req, res) => {
      atStorage.push({ url: req.url ?? '', headers: req.headers });
      await readBody(req);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end('package bytes');
    });
    gitlab = await startLocalServer(async (req, res) => {
      const url = req.url ?? '';
      atGitlab.push({ url, headers: req.headers });
      await readBody(req);
      const elsewhere = (path: string) => {
        res.writeHead(302, { location: `${storage.baseUrl}${path}` });
        res.end();
      };
      // Object storage: how GitLab serves package files when proxy_download is off.
      if (url.includes('/packages/generic/pkg/1.0.0/a.bin'))
        return elsewhere('/bucket/a.bin?X-Amz-Signature=1');
      // The same host: the token still goes with it.
      if (url.includes('/packages/generic/pkg/1.0.0/b.bin')) {
        res.writeHead(302, { location: '/objects/b.bin' });
        res.end();
        return;
      }
      if (url.startsWith('/objects/')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end('same host bytes');
        return;
      }
      // An API answer moved to another host (a misconfigured proxy).
      if (url.startsWith('/api/v4/projects/org%2Fmoved')) return elsewhere(`/api/v4/projects/org%2Fmoved`);
      // git's first request of the fetch before a push.
      if (url.startsWith('/org/app.git/info/refs')) return elsewhere(url);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"message":"404 Not Found"}');
    });
    forge = createGitlabForge({
      name: 'gitlab',
      url: gitlab.baseUrl,
      token,
      dryRun: false,
      http: { retries: 0, backoffMs: 1 },
    });
  });
  afterAll(async () => {
    await gitlab.close();
    await storage.close();
  });

  function credentials(seen: Seen[]): string[] {
    return seen.flatMap((s) =>
      ['authorization', 'private-token', 'job-token']
        .filter((h) => s.headers[h] !== undefined)
        .map((h) => `${h} on ${s.url}`),
    );
  }

  function expectNoTokenAt(seen: Seen[], reached = true): void {
    if (reached) expect(seen.length).toBeGreaterThan(0);
    expect(credentials(seen)).toEqual([]);
    const dump = seen.map((s) => JSON.stringify(s));
    assertNoCanary(token, dump, 'the other host');
    // git sends the token as Basic auth of `oauth2:<token>`.
    expect(dump.join('\n')).not.toContain(Buffer.from(`oauth2:${token}`).toString('base64'));
  }

  it('downloads a package redirected to object storage without sending the token there', async () => {
    atStorage.length = 0;
    const stream = await forge.packages.download('org/app', 'pkg', '1.0.0', 'a.bin');
    expect(await new Response(stream).text()).toBe('package bytes');
    expect(atGitlab.at(-1)!.headers['private-token']).toBe(token);
    expectNoTokenAt(atStorage);
  });

  it('keeps the token on a redirect within the forge host (control)', async () => {
    const stream = await forge.packages.download('org/app', 'pkg', '1.0.0', 'b.bin');
    expect(await new Response(stream).text()).toBe('same host bytes');
    expect(atGitlab.at(-1)).toMatchObject({ url: '/objects/b.bin', headers: { 'private-token': token } });
  });

  it('follows an API answer moved to another host without the token', async () => {
    atStorage.length = 0;
    await forge.repo.getProject('org/moved').catch(() => undefined);
    expectNoTokenAt(atStorage);
  });

  it('never lets git send the token to another host when the push is redirected', async () => {
    atStorage.length = 0;
    const gitlabBefore = atGitlab.length;
    // git follows a redirect of its first request and then talks to the new host with its extra
    // headers, the token included (it used to: `GET /org/app.git/HEAD` with the Basic token);
    // the push refuses redirects instead and fails with a clear error.
    await expect(forge.repo.updateBranch('org/app', 'stable', 'a'.repeat(40))).rejects.toThrow(/302/);
    const asked = atGitlab.slice(gitlabBefore).find((s) => s.url.startsWith('/org/app.git/info/refs'));
    expect(asked?.headers.authorization).toBe(`Basic ${Buffer.from(`oauth2:${token}`).toString('base64')}`);
    expectNoTokenAt(atStorage, false);
  });
});
