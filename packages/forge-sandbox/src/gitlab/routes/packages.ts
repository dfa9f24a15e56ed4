import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SimPackage, SimPackageFile, SimProject } from '../../core/model.js';
import { ACCESS } from '../../core/world.js';
import { loadProject, P, page, sortBy, type Gitlab } from '../context.js';
import { badRequest, invalidValue, notFound } from '../errors.js';
import { oneOf, str } from '../params.js';
import { packageEntity, packageFileEntity, uploadedFileEntity } from '../serializers/package.js';

const NAME = /^[A-Za-z0-9._+~-]+$/;
const VERSION = /^(?!.*\.\.)[A-Za-z0-9._+-]+$/;

function genericPackages(gl: Gitlab, project: SimProject): SimPackage[] {
  return gl.world.packages.filter((p) => p.projectId === project.id && p.packageType === 'generic');
}

function findPackage(gl: Gitlab, project: SimProject, id: string | undefined): SimPackage {
  const pkg = gl.world.packages.find((p) => p.projectId === project.id && p.id === Number(id));
  if (!pkg) throw notFound('Package');
  return pkg;
}

function isDuplicate(pkg: SimPackage | undefined, fileName: string): boolean {
  return Boolean(pkg?.files.some((f) => f.fileName === fileName));
}

export function registerPackages(gl: Gitlab): void {
  const generic = `${P}/packages/generic/:package_name/:package_version/:file_name`;

  /**
   * Upload streams the body to disk while hashing it; nothing is buffered whole. A file that
   * already exists in the same package version is refused unless duplicates are allowed:
   * GitLab's lib/api/generic_packages.rb answers
   * `bad_request!('Duplicate package is not allowed')` when
   * Packages::Generic::CreatePackageFileService reports `package_file_already_exists`,
   * i.e. 400 `{"message":"400 Bad request - Duplicate package is not allowed"}`.
   */
  gl.add(
    'PUT',
    generic,
    async (req) => {
      const project = loadProject(gl, req, ACCESS.developer);
      const name = req.params.package_name!;
      const version = req.params.package_version!;
      const fileName = req.params.file_name!;
      if (!NAME.test(name)) throw invalidValue('package_name');
      if (!VERSION.test(version)) throw invalidValue('package_version');
      if (!NAME.test(fileName)) throw invalidValue('file_name');
      const status = oneOf(req, 'status', ['default', 'hidden'] as const);
      const select = oneOf(req, 'select', ['package_file'] as const);
      const find = () => genericPackages(gl, project).find((p) => p.name === name && p.version === version);
      if (!project.packageDuplicatesAllowed && isDuplicate(find(), fileName))
        throw badRequest('Duplicate package is not allowed');

      const fileId = gl.world.nextId('package_file');
      const dir = join(gl.world.packageDir(), String(project.id));
      await mkdir(dir, { recursive: true });
      const storagePath = join(dir, `${fileId}-${fileName}`);
      const sha256 = createHash('sha256');
      const sha1 = createHash('sha1');
      const md5 = createHash('md5');
      let size = 0;
      const hasher = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          sha256.update(chunk);
          sha1.update(chunk);
          md5.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(req.stream, hasher, createWriteStream(storagePath));

      let pkg = find();
      // A concurrent upload of the same file may have won while this one streamed.
      if (!project.packageDuplicatesAllowed && isDuplicate(pkg, fileName)) {
        await rm(storagePath, { force: true });
        throw badRequest('Duplicate package is not allowed');
      }
      const now = gl.world.nowIso();
      if (!pkg) {
        pkg = {
          id: gl.world.nextId('package'),
          projectId: project.id,
          name,
          version,
          packageType: 'generic',
          status: status ?? 'default',
          files: [],
          createdAt: now,
        };
        gl.world.packages.push(pkg);
      } else if (status) {
        pkg.status = status;
      }
      const file: SimPackageFile = {
        id: fileId,
        fileName,
        size,
        sha256: sha256.digest('hex'),
        sha1: sha1.digest('hex'),
        md5: md5.digest('hex'),
        storagePath,
        createdAt: now,
      };
      pkg.files.push(file);
      return {
        status: 201,
        body: select === 'package_file' ? uploadedFileEntity(pkg, file) : { message: '201 Created' },
      };
    },
    { raw: true },
  );

  gl.add('GET', generic, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const pkg = genericPackages(gl, project).find(
      (p) => p.name === req.params.package_name && p.version === req.params.package_version,
    );
    if (!pkg) throw notFound();
    const file = [...pkg.files].reverse().find((f) => f.fileName === req.params.file_name);
    if (!file) throw notFound();
    return {
      body: createReadStream(file.storagePath),
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(file.size),
        'content-disposition': `attachment; filename="${file.fileName}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
        'x-checksum-sha256': file.sha256,
      },
    };
  });

  gl.add('GET', `${P}/packages`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const type = str(req, 'package_type');
    // GitLab matches package_name fuzzily (a substring); package_version exactly.
    const name = str(req, 'package_name')?.toLowerCase();
    const version = str(req, 'package_version');
    const status = str(req, 'status');
    const orderBy =
      oneOf(req, 'order_by', ['created_at', 'name', 'version', 'type'] as const) ?? 'created_at';
    const sort = oneOf(req, 'sort', ['asc', 'desc'] as const) ?? 'asc';
    const packages = gl.world.packages.filter(
      (p) =>
        p.projectId === project.id &&
        (!type || p.packageType === type) &&
        (!name || p.name.toLowerCase().includes(name)) &&
        (!version || p.version === version) &&
        (!status || p.status === status),
    );
    const key =
      orderBy === 'name'
        ? (p: SimPackage) => p.name
        : orderBy === 'version'
          ? (p: SimPackage) => p.version
          : orderBy === 'type'
            ? (p: SimPackage) => p.packageType
            : (p: SimPackage) => p.createdAt;
    const { items, headers } = page(
      gl,
      req,
      sortBy(
        sortBy(packages, (p) => p.id, sort),
        key,
        sort,
      ),
    );
    return { body: items.map((p) => packageEntity(gl, p)), headers };
  });

  gl.add('GET', `${P}/packages/:package_id`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    return { body: packageEntity(gl, findPackage(gl, project, req.params.package_id)) };
  });

  gl.add('GET', `${P}/packages/:package_id/package_files`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const pkg = findPackage(gl, project, req.params.package_id);
    const { items, headers } = page(gl, req, pkg.files);
    return { body: items.map((f) => packageFileEntity(pkg, f)), headers };
  });

  gl.add('DELETE', `${P}/packages/:package_id`, async (req) => {
    const project = loadProject(gl, req, ACCESS.maintainer);
    const pkg = findPackage(gl, project, req.params.package_id);
    gl.world.packages.splice(gl.world.packages.indexOf(pkg), 1);
    for (const f of pkg.files) await rm(f.storagePath, { force: true });
    return { status: 204 };
  });
}
