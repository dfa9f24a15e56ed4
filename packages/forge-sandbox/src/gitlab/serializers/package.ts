import type { SimPackage, SimPackageFile } from '../../core/model.js';
import type { Gitlab } from '../context.js';
import { projectUrl } from './project.js';

export function packageEntity(gl: Gitlab, pkg: SimPackage): Record<string, unknown> {
  const project = gl.world.projects.get(pkg.projectId)!;
  return {
    id: pkg.id,
    name: pkg.name,
    version: pkg.version,
    package_type: pkg.packageType,
    status: pkg.status,
    _links: {
      web_path: `${new URL(projectUrl(gl, project)).pathname}/-/packages/${pkg.id}`,
      delete_api_path: `${gl.web()}/api/v4/projects/${project.id}/packages/${pkg.id}`,
    },
    created_at: pkg.createdAt,
    last_downloaded_at: null,
    tags: [],
    pipeline: null,
    pipelines: [],
  };
}

export function packageFileEntity(pkg: SimPackage, file: SimPackageFile): Record<string, unknown> {
  return {
    id: file.id,
    package_id: pkg.id,
    created_at: file.createdAt,
    file_name: file.fileName,
    size: file.size,
    file_md5: file.md5,
    file_sha1: file.sha1,
    file_sha256: file.sha256,
    pipelines: [],
  };
}

/** What `PUT ...?select=package_file` answers (the uploaded file record). */
export function uploadedFileEntity(pkg: SimPackage, file: SimPackageFile): Record<string, unknown> {
  return {
    id: file.id,
    package_id: pkg.id,
    created_at: file.createdAt,
    updated_at: file.createdAt,
    size: file.size,
    file_store: 1,
    file_md5: file.md5,
    file_sha1: file.sha1,
    file_name: file.fileName,
    file: { url: `/packages/${pkg.id}/files/${file.id}/${file.fileName}` },
    file_sha256: file.sha256,
    verification_retry_at: null,
    verified_at: null,
    verification_failure: null,
    verification_retry_count: null,
    verification_checksum: null,
    verification_state: 0,
    verification_started_at: null,
    new_file_path: null,
  };
}
