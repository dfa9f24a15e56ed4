import type { PackageApi } from '../types.js';
import type { GitlabClient } from './client.js';
import { toPackageFile } from './map.js';

type Json = Record<string, unknown>;

/**
 * Generic packages. Listing goes through gitbeaker; download and upload use our fetch directly so
 * the bytes stream both ways (gitbeaker buffers uploads into a FormData).
 */
export function createPackageApi(client: GitlabClient): PackageApi {
  const { api } = client;
  const fileUrl = (project: string, name: string, version: string, fileName: string) =>
    client.projectUrl(project, 'packages', 'generic', name, version, fileName);

  return {
    /** GitLab matches `package_name` as a substring, so the exact package is picked here. */
    async listFiles(project, name, version) {
      const packages = (await api.Packages.all({
        projectId: project,
        packageType: 'generic',
        packageName: name,
        packageVersion: version,
        perPage: 100,
      } as never)) as unknown as Json[];
      const pkg = packages.find((p) => p.name === name && p.version === version);
      if (!pkg) return [];
      const files = await api.Packages.allFiles(project, Number(pkg.id), { perPage: 100 } as never);
      return (files as unknown as Json[]).map(toPackageFile);
    },

    async download(project, name, version, fileName) {
      const url = fileUrl(project, name, version, fileName);
      const response = await client.fetch(url, { method: 'GET' });
      if (!response.ok || !response.body) throw await client.fail('GET', url, response);
      return response.body as ReadableStream<Uint8Array>;
    },

    async upload(project, name, version, fileName, body, size) {
      client.write(`upload ${name}/${version}/${fileName} to ${project}`);
      const url = fileUrl(project, name, version, fileName);
      url.searchParams.set('select', 'package_file');
      const response = await client.fetch(url, {
        method: 'PUT',
        body,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      });
      if (!response.ok) throw await client.fail('PUT', url, response);
      return toPackageFile((await response.json()) as Json);
    },
  };
}
