import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimPackageFile, SimProject, SimRelease } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import {
  bool,
  GhError,
  ghTime,
  nodeId,
  notFound,
  ok,
  repoOf,
  str,
  validationFailed,
  type Gh,
} from '../context.js';
import { paged } from '../paging.js';
import { repoHtml, repoUrl } from '../serializers/repos.js';
import { userJson } from '../serializers/users.js';

const signatures = new WeakMap<SimPackageFile, string>();

function assetJson(
  gh: Gh,
  project: SimProject,
  release: SimRelease,
  a: SimPackageFile,
): Record<string, unknown> {
  const meta = gh.state.assetMeta.get(a.id);
  return {
    url: `${repoUrl(gh, project)}/releases/assets/${a.id}`,
    browser_download_url: `${repoHtml(gh, project)}/releases/download/${encodeURIComponent(release.tagName)}/${encodeURIComponent(a.fileName)}`,
    id: a.id,
    node_id: nodeId('RA', a.id),
    name: a.fileName,
    label: meta?.label ?? null,
    state: 'uploaded',
    content_type: meta?.contentType ?? 'application/octet-stream',
    size: a.size,
    digest: `sha256:${a.sha256}`,
    download_count: meta?.downloads ?? 0,
    created_at: ghTime(a.createdAt),
    updated_at: ghTime(a.createdAt),
    uploader: userJson(gh, meta?.uploaderId),
  };
}

function releaseJson(gh: Gh, project: SimProject, r: SimRelease): Record<string, unknown> {
  const meta = gh.state.releaseMeta.get(r.id);
  const url = `${repoUrl(gh, project)}/releases/${r.id}`;
  return {
    url,
    html_url: `${repoHtml(gh, project)}/releases/tag/${encodeURIComponent(r.tagName)}`,
    assets_url: `${url}/assets`,
    // GitHub uploads to another host (uploads.github.com); the simulator serves them itself.
    upload_url: `${url}/assets{?name,label}`,
    tarball_url: `${repoUrl(gh, project)}/tarball/${r.tagName}`,
    zipball_url: `${repoUrl(gh, project)}/zipball/${r.tagName}`,
    id: r.id,
    node_id: nodeId('RE', r.id),
    tag_name: r.tagName,
    target_commitish: meta?.targetCommitish ?? project.defaultBranch,
    name: r.name || null,
    body: r.description || null,
    draft: meta?.draft ?? false,
    prerelease: meta?.prerelease ?? false,
    created_at: ghTime(r.createdAt),
    published_at: meta?.draft ? null : ghTime(r.createdAt),
    author: userJson(gh, meta?.authorId),
    assets: r.assets.map((a) => assetJson(gh, project, r, a)),
  };
}

function releasesOf(gh: Gh, project: SimProject): SimRelease[] {
  return gh.world.releases.filter((r) => r.projectId === project.id).sort((a, b) => b.id - a.id);
}

function findRelease(gh: Gh, project: SimProject, id: string | undefined): SimRelease {
  const r = gh.world.releases.find((x) => x.projectId === project.id && x.id === Number(id));
  if (!r) throw notFound();
  return r;
}

function findAsset(
  gh: Gh,
  project: SimProject,
  id: string | undefined,
): { release: SimRelease; asset: SimPackageFile } {
  for (const release of releasesOf(gh, project)) {
    const asset = release.assets.find((a) => a.id === Number(id));
    if (asset) return { release, asset };
  }
  throw notFound();
}

async function readAll(req: SimRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Releases and release assets (upload, metadata, download through a signed storage redirect). */
export function registerReleases(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/releases',
    (req) => {
      const project = repoOf(gh, req);
      const page = paged(gh, req, releasesOf(gh, project));
      return ok(
        page.items.map((r) => releaseJson(gh, project, r)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/releases/latest',
    (req) => {
      const project = repoOf(gh, req);
      const latest = releasesOf(gh, project).find((r) => {
        const meta = gh.state.releaseMeta.get(r.id);
        return !meta?.draft && !meta?.prerelease;
      });
      if (!latest) throw notFound();
      return ok(releaseJson(gh, project, latest));
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/releases/tags/:tag*',
    (req) => {
      const project = repoOf(gh, req);
      const release = releasesOf(gh, project).find((r) => r.tagName === req.params.tag);
      if (!release) throw notFound();
      return ok(releaseJson(gh, project, release));
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/releases', async (req) => {
    const project = repoOf(gh, req, 'push', 404);
    const user = req.user!;
    const tag = str(req.body.tag_name);
    if (!tag) throw validationFailed({ resource: 'Release', code: 'missing_field', field: 'tag_name' });
    if (releasesOf(gh, project).some((r) => r.tagName === tag))
      throw validationFailed({ resource: 'Release', code: 'already_exists', field: 'tag_name' });
    const target = str(req.body.target_commitish) ?? project.defaultBranch;
    const draft = bool(req.body.draft) ?? false;
    const tagExists = (await project.repo.listTags()).some((t) => t.name === tag);
    if (!tagExists) {
      if (!(await project.repo.resolve(target)))
        throw validationFailed({ resource: 'Release', code: 'invalid', field: 'target_commitish' });
      // Publishing a release creates its tag (drafts wait until published).
      if (!draft) await gh.world.createTag(project, tag, target, user.id);
    }
    const release: SimRelease = {
      id: gh.world.nextId('release'),
      projectId: project.id,
      tagName: tag,
      name: str(req.body.name) ?? tag,
      description: str(req.body.body) ?? '',
      createdAt: gh.world.nowIso(),
      assets: [],
    };
    gh.world.releases.push(release);
    gh.state.releaseMeta.set(release.id, {
      targetCommitish: target,
      draft,
      prerelease: bool(req.body.prerelease) ?? false,
      authorId: user.id,
    });
    return ok(releaseJson(gh, project, release), 201);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/releases/assets/:id',
    (req) => {
      const project = repoOf(gh, req);
      const { release, asset } = findAsset(gh, project, req.params.id);
      if (!String(req.headers.accept ?? '').includes('application/octet-stream'))
        return ok(assetJson(gh, project, release, asset));
      // Like GitHub: a redirect to a signed URL on the storage origin, which needs no token.
      const origin = gh.state.assetStorageOrigin ?? gh.web();
      const location = `${origin}/_objects/release-assets/${asset.id}?sig=${signatures.get(asset) ?? ''}`;
      return { status: 302, body: '', headers: { location } };
    },
    { anonymous: true },
  );

  gh.add('DELETE', '/repos/:owner/:repo/releases/assets/:id', async (req) => {
    const project = repoOf(gh, req, 'push', 404);
    const { release, asset } = findAsset(gh, project, req.params.id);
    release.assets.splice(release.assets.indexOf(asset), 1);
    await rm(asset.storagePath, { force: true });
    return { status: 204 };
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/releases/:id',
    (req) => {
      const project = repoOf(gh, req);
      return ok(releaseJson(gh, project, findRelease(gh, project, req.params.id)));
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/releases/:id/assets',
    (req) => {
      const project = repoOf(gh, req);
      const release = findRelease(gh, project, req.params.id);
      const page = paged(gh, req, release.assets);
      return ok(
        page.items.map((a) => assetJson(gh, project, release, a)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'POST',
    '/repos/:owner/:repo/releases/:id/assets',
    async (req) => {
      const project = repoOf(gh, req, 'push', 404);
      const release = findRelease(gh, project, req.params.id);
      const name = req.query.get('name');
      const bytes = await readAll(req);
      if (!name) throw validationFailed({ resource: 'ReleaseAsset', code: 'missing_field', field: 'name' });
      if (release.assets.some((a) => a.fileName === name))
        throw validationFailed({ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' });
      const dir = join(gh.world.packageDir(), 'github-release-assets');
      await mkdir(dir, { recursive: true });
      const id = gh.world.nextId('release_asset');
      const storagePath = join(dir, String(id));
      await writeFile(storagePath, bytes);
      const digest = (algorithm: string) => createHash(algorithm).update(bytes).digest('hex');
      const asset: SimPackageFile = {
        id,
        fileName: name,
        size: bytes.length,
        sha256: digest('sha256'),
        md5: digest('md5'),
        sha1: digest('sha1'),
        storagePath,
        createdAt: gh.world.nowIso(),
      };
      release.assets.push(asset);
      signatures.set(asset, randomBytes(12).toString('hex'));
      gh.state.assetMeta.set(id, {
        releaseId: release.id,
        contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        label: req.query.get('label'),
        uploaderId: req.user!.id,
        downloads: 0,
      });
      return ok(assetJson(gh, project, release, asset), 201);
    },
    { raw: true },
  );

  // browser_download_url: the web side redirects to the same signed storage URL.
  gh.add(
    'GET',
    '/:owner/:repo/releases/download/:tag/:name',
    (req) => {
      const project = repoOf(gh, req);
      const release = releasesOf(gh, project).find((r) => r.tagName === req.params.tag);
      const asset = release?.assets.find((a) => a.fileName === req.params.name);
      if (!asset) throw notFound();
      const origin = gh.state.assetStorageOrigin ?? gh.web();
      const location = `${origin}/_objects/release-assets/${asset.id}?sig=${signatures.get(asset) ?? ''}`;
      return { status: 302, body: '', headers: { location } };
    },
    { anonymous: true },
  );

  // The storage origin: signed URLs, no token needed (none should arrive).
  gh.add(
    'GET',
    '/_objects/release-assets/:id',
    (req) => {
      for (const release of gh.world.releases) {
        const asset = release.assets.find((a) => a.id === Number(req.params.id));
        if (!asset) continue;
        if (req.query.get('sig') !== signatures.get(asset)) throw new GhError(403, 'Request has expired');
        const meta = gh.state.assetMeta.get(asset.id);
        if (meta) meta.downloads++;
        return {
          status: 200,
          body: createReadStream(asset.storagePath),
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(asset.size) },
        };
      }
      throw notFound();
    },
    { anonymous: true },
  );
}
