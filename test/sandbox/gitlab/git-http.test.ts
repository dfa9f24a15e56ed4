import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { push, setup, type Fixture } from './helpers.js';

const run = promisify(execFile);

describe('GitLab git smart HTTP', () => {
  let fx: Fixture;
  const dirs: string[] = [];
  beforeAll(async () => {
    fx = await setup();
  });
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  afterAll(() => fx.close());

  function env(token?: string): NodeJS.ProcessEnv {
    const base: NodeJS.ProcessEnv = {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'T',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 'T',
      GIT_COMMITTER_EMAIL: 't@example.com',
    };
    if (!token) return base;
    const basic = Buffer.from(`oauth2:${token}`).toString('base64');
    return {
      ...base,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    };
  }

  async function git(cwd: string, args: string[], token?: string) {
    return run('git', args, { cwd, env: env(token) });
  }

  async function clone(token = fx.token): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'gl-http-'));
    dirs.push(dir);
    await git(dir, ['clone', '-q', `${fx.sim.gitlab.url}/org/app.git`, 'repo'], token);
    return join(dir, 'repo');
  }

  async function commitFile(repo: string, file: string, content: string): Promise<string> {
    await writeFile(join(repo, file), content);
    await git(repo, ['add', file]);
    await git(repo, ['commit', '-q', '-m', `edit ${file}`]);
    return (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
  }

  it('401 with WWW-Authenticate without credentials; clone with oauth2:<token>', async () => {
    const res = await fetch(`${fx.sim.gitlab.url}/org/app.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="GitLab"');
    const repo = await clone();
    expect(await readFile(join(repo, 'VERSION'), 'utf8')).toBe('1.0.0\n');
    const log = fx.sim.requests({ forge: 'gitlab' }).filter((e) => e.route.includes('info/refs'));
    expect(log.map((e) => e.status)).toContain(200);
    const stranger = await fetch(`${fx.sim.gitlab.url}/org/app.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${fx.strangerToken}`).toString('base64')}` },
    });
    expect(stranger.status).toBe(404);
  });

  it('a push moves the branch, runs CI and updates the MR head', async () => {
    await push(fx, 'topic', { 't.txt': 't\n' });
    const mr = await fx.api.MergeRequests.create('org/app', 'topic', 'main', 'Topic');
    const repo = await clone();
    await git(repo, ['checkout', '-q', 'topic']);
    const sha = await commitFile(repo, 'pushed.txt', 'p\n');
    await git(repo, ['push', '-q', 'origin', 'topic'], fx.token);
    expect((await fx.api.Branches.show('org/app', 'topic')).commit).toMatchObject({ id: sha });
    expect((await fx.api.MergeRequests.show('org/app', mr.iid)).sha).toBe(sha);
    expect(await fx.api.Pipelines.all('org/app', { sha })).toHaveLength(0);
    await fx.sim.advance(30_000);
    expect(await fx.api.Pipelines.all('org/app', { sha })).toHaveLength(1);
    expect(fx.sim.requests({ forge: 'gitlab', method: 'POST' }).at(-1)?.route).toBe(
      'POST /:p1/:p2/git-receive-pack',
    );
  });

  it('non-fast-forward is refused unless forced; force is allowed on an unprotected branch', async () => {
    await push(fx, 'bot/update', { 'u.txt': '1\n' });
    const repo = await clone();
    await git(repo, ['checkout', '-q', '-b', 'rewrite', 'origin/main']);
    const other = await commitFile(repo, 'other.txt', 'o\n');
    await expect(
      git(repo, ['push', 'origin', `${other}:refs/heads/bot/update`], fx.token),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/non-fast-forward|fetch first|rejected/),
    });
    await git(repo, ['push', '-q', 'origin', `+${other}:refs/heads/bot/update`], fx.token);
    expect((await fx.api.Branches.show('org/app', 'bot/update')).commit).toMatchObject({ id: other });
  });

  it('protected branches: developers may not push; nobody force-pushes unless allowed', async () => {
    const devRepo = await clone(fx.devToken);
    await commitFile(devRepo, 'dev.txt', 'd\n');
    const refused = await git(devRepo, ['push', 'origin', 'HEAD:main'], fx.devToken).catch(
      (e: { stderr: string }) => e,
    );
    expect((refused as { stderr: string }).stderr).toContain(
      'GitLab: You are not allowed to push code to protected branches on this project.',
    );

    const repo = await clone();
    await git(repo, ['reset', '-q', '--hard', 'HEAD']);
    const ff = await commitFile(repo, 'ff.txt', 'f\n');
    await git(repo, ['push', '-q', 'origin', 'HEAD:main'], fx.token);
    expect((await fx.api.Branches.show('org/app', 'main')).commit).toMatchObject({ id: ff });

    await git(repo, ['reset', '-q', '--hard', 'HEAD~1']);
    const rewrite = await commitFile(repo, 'rw.txt', 'r\n');
    const forced = await git(repo, ['push', 'origin', '+HEAD:main'], fx.token).catch(
      (e: { stderr: string }) => e,
    );
    expect((forced as { stderr: string }).stderr).toContain(
      'GitLab: You are not allowed to force push code to a protected branch on this project.',
    );
    fx.sim.project('gitlab', 'org/app').protectedBranches.get('main')!.allowForcePush = true;
    await git(repo, ['push', '-q', 'origin', '+HEAD:main'], fx.token);
    expect((await fx.api.Branches.show('org/app', 'main')).commit).toMatchObject({ id: rewrite });
  });
});
