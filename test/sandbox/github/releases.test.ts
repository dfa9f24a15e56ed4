import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubState } from '../../../packages/forge-sandbox/src/github/index.js';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

describe('GitHub view: releases and release assets', () => {
  let f: GithubFixture;
  beforeAll(async () => {
    f = await githubFixture({ ciEnabled: false });
  });
  afterAll(() => f.sim.close());

  it('creates a release (201) and its tag, refuses a duplicate tag (422)', async () => {
    const { status, data } = await f.bot.repos.createRelease({
      ...repo,
      tag_name: 'gitaly-v1.2.3',
      name: 'gitaly 1.2.3',
      body: 'notes',
    });
    expect(status).toBe(201);
    expect(data).toMatchObject({
      tag_name: 'gitaly-v1.2.3',
      name: 'gitaly 1.2.3',
      draft: false,
      prerelease: false,
      assets: [],
    });
    expect(data.upload_url).toMatch(/\/releases\/\d+\/assets\{\?name,label\}$/);
    expect((await f.bot.git.getRef({ ...repo, ref: 'tags/gitaly-v1.2.3' })).data.object.sha).toMatch(
      /^[0-9a-f]{40}$/,
    );
    const dup = await failure(f.bot.repos.createRelease({ ...repo, tag_name: 'gitaly-v1.2.3' }));
    expect(dup.data.errors).toEqual([{ resource: 'Release', code: 'already_exists', field: 'tag_name' }]);
    expect((await f.bot.repos.getReleaseByTag({ ...repo, tag: 'gitaly-v1.2.3' })).data.id).toBe(data.id);
    expect((await failure(f.bot.repos.getReleaseByTag({ ...repo, tag: 'nope' }))).status).toBe(404);
  });

  it('uploads an asset, lists it, downloads it through the storage redirect, refuses duplicates', async () => {
    const release = (await f.bot.repos.getReleaseByTag({ ...repo, tag: 'gitaly-v1.2.3' })).data;
    const bytes = Buffer.from('package bytes\n');
    const uploaded = await f.bot.repos.uploadReleaseAsset({
      ...repo,
      release_id: release.id,
      name: 'gitaly.deb',
      data: bytes as unknown as string,
      headers: { 'content-type': 'application/vnd.debian.binary-package', 'content-length': bytes.length },
      baseUrl: f.sim.github.apiUrl,
    });
    expect(uploaded.status).toBe(201);
    expect(uploaded.data).toMatchObject({
      name: 'gitaly.deb',
      size: bytes.length,
      state: 'uploaded',
      content_type: 'application/vnd.debian.binary-package',
    });
    const dup = await failure(
      f.bot.repos.uploadReleaseAsset({
        ...repo,
        release_id: release.id,
        name: 'gitaly.deb',
        data: 'x',
        baseUrl: f.sim.github.apiUrl,
      }),
    );
    expect(dup.data.errors).toEqual([{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }]);
    const assets = await f.bot.repos.listReleaseAssets({ ...repo, release_id: release.id });
    expect(assets.data.map((a) => a.name)).toEqual(['gitaly.deb']);

    const redirect = await fetch(`${f.sim.github.url}/repos/acme/app/releases/assets/${uploaded.data.id}`, {
      headers: { authorization: `token ${f.botToken}`, accept: 'application/octet-stream' },
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location')!;
    const download = await fetch(location);
    expect(Buffer.from(await download.arrayBuffer()).toString()).toBe('package bytes\n');
    expect((await fetch(location.replace(/sig=\w+/, 'sig=forged'))).status).toBe(403);
    expect(githubState(f.sim.world).assetMeta.get(uploaded.data.id)?.downloads).toBe(1);
    const browser = await fetch(uploaded.data.browser_download_url, {
      headers: { authorization: `token ${f.botToken}` },
    });
    expect(await browser.text()).toBe('package bytes\n');
  });
});
