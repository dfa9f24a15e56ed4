import { ForgeError } from '../../errors.js';
import type { PackageApi, PackageFile } from '../types.js';
import type { GithubClient } from './client.js';
import { isStatus } from './errors.js';
import type { GhAsset, GhRelease } from './wire.js';

/**
 * Generic packages on GitHub are release assets: package `name` at `version` is the release
 * tagged `<name>-v<version>` (created with its tag on first upload), its files the assets.
 */

export function releaseTag(name: string, version: string): string {
  return `${name}-v${version}`;
}

function toPackageFile(a: GhAsset): PackageFile {
  return {
    id: a.id,
    fileName: a.name,
    size: a.size,
    sha256: a.digest?.startsWith('sha256:') ? a.digest.slice('sha256:'.length) : null,
    createdAt: a.created_at,
  };
}

export function createPackageApi(gh: GithubClient): PackageApi {
  const findRelease = (project: string, name: string, version: string) =>
    gh.find<GhRelease>('GET /repos/{owner}/{repo}/releases/tags/{tag}', {
      ...gh.repo(project),
      tag: releaseTag(name, version),
    });

  return {
    async listFiles(project, name, version) {
      const release = await findRelease(project, name, version);
      return release ? release.assets.map(toPackageFile) : [];
    },

    async download(project, name, version, fileName) {
      const release = await findRelease(project, name, version);
      const asset = release?.assets.find((a) => a.name === fileName);
      if (!asset)
        throw new ForgeError(
          `${gh.forge}: ${name} ${version} has no file ${fileName} in ${project}`,
          404,
          gh.forge,
        );
      // GitHub answers with a redirect to its storage host; our fetch follows it without the token.
      const res = await gh.response<ReadableStream<Uint8Array>>(
        'GET /repos/{owner}/{repo}/releases/assets/{asset_id}',
        {
          ...gh.repo(project),
          asset_id: asset.id,
          headers: { accept: 'application/octet-stream' },
          request: { parseSuccessResponseBody: false },
        },
      );
      return res.data;
    },

    async upload(project, name, version, fileName, body, size) {
      if (gh.dryRun) await body.cancel().catch(() => undefined);
      gh.write(`upload ${fileName} to ${name} ${version}`);
      const repo = gh.repo(project);
      const tag = releaseTag(name, version);
      let release = await findRelease(project, name, version);
      if (!release) {
        try {
          release = await gh.request<GhRelease>('POST /repos/{owner}/{repo}/releases', {
            ...repo,
            tag_name: tag,
            name: `${name} ${version}`,
            body: `Package ${name} ${version} (uploaded by release-bot).`,
          });
        } catch (error) {
          if (!isStatus(error, 422)) throw error;
          release = await findRelease(project, name, version);
          if (!release) throw error;
        }
      }
      const duplicate = (): ForgeError =>
        new ForgeError(
          `${gh.forge}: ${name} ${version} already has a file ${fileName}`,
          409,
          gh.forge,
          'POST upload_url',
        );
      if (release.assets.some((a) => a.name === fileName)) {
        await body.cancel().catch(() => undefined);
        throw duplicate();
      }
      const url = new URL(release.upload_url.replace(/\{[^}]*\}$/, ''));
      url.searchParams.set('name', fileName);
      const fetch = gh.uploadFetch(url.toString());
      if (!fetch) {
        await body.cancel().catch(() => undefined);
        throw new ForgeError(
          `${gh.forge}: refusing to upload to unexpected host ${url.origin}`,
          400,
          gh.forge,
        );
      }
      try {
        // An absolute URL: Octokit sends it as is (no baseUrl), through the uploads host's fetch.
        const asset = await gh.request<GhAsset>(`POST ${url.toString()}`, {
          data: body,
          headers: { 'content-type': 'application/octet-stream', 'content-length': size },
          request: { fetch },
        });
        return toPackageFile(asset);
      } catch (error) {
        // GitHub says 422 already_exists; the interface promises GitLab's 409 for duplicates.
        if (isStatus(error, 422) && /already_exists/.test(JSON.stringify((error as ForgeError).body ?? '')))
          throw duplicate();
        throw error;
      }
    },
  };
}
