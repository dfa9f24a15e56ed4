import { createHash, randomBytes } from 'node:crypto';
import type { SimPackageFile } from '../../../packages/forge-sandbox/src/core/model.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';

/**
 * Seeding for promote-packages scenarios: packages are uploaded to the simulated GitLab over
 * HTTP by a `builder` account (what CI does after a build), and read back from the simulator's
 * world to assert what the public registry holds.
 */

export const STAGING = 'omnibus/staging';
export const PUBLIC = 'omnibus/public';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function packageBytes(label: string, size = 4096): Buffer {
  return Buffer.concat([Buffer.from(`${label}\n`), randomBytes(size)]);
}

export async function upload(
  sim: Simulator,
  token: string,
  project: string,
  path: { name: string; version: string; file: string },
  data: Buffer | string,
): Promise<void> {
  const url = `${sim.gitlab.url}/api/v4/projects/${encodeURIComponent(project)}/packages/generic/${path.name}/${path.version}/${path.file}`;
  const response = await fetch(url, { method: 'PUT', headers: { 'private-token': token }, body: data });
  if (!response.ok) throw new Error(`seed upload ${url}: ${response.status} ${await response.text()}`);
}

/** A package file and its `sha256sum`-style companion, as the omnibus build uploads them. */
export async function stage(
  sim: Simulator,
  token: string,
  path: { name: string; version: string; file: string },
  data: Buffer,
  options: { checksumFile?: boolean | string } = {},
): Promise<void> {
  await upload(sim, token, STAGING, path, data);
  if (options.checksumFile) {
    const digest = typeof options.checksumFile === 'string' ? options.checksumFile : sha256(data);
    await upload(sim, token, STAGING, { ...path, file: `${path.file}.sha256` }, `${digest}  ${path.file}\n`);
  }
}

export function filesIn(sim: Simulator, project: string, name: string, version: string): SimPackageFile[] {
  const p = sim.project('gitlab', project);
  return (
    sim.world.packages.find((k) => k.projectId === p.id && k.name === name && k.version === version)?.files ??
    []
  );
}

export async function createRegistries(sim: Simulator): Promise<string> {
  const { token } = sim.createUser('builder');
  await sim.createProject({
    forge: 'gitlab',
    path: STAGING,
    visibility: 'private',
    members: ['release-bot:20', 'builder:30'],
    ciEnabled: false,
  });
  await sim.createProject({
    forge: 'gitlab',
    path: PUBLIC,
    visibility: 'public',
    members: ['release-bot:30', 'builder:30'],
    ciEnabled: false,
  });
  return token;
}

export function writes(sim: Simulator, since: number) {
  return sim.requests({ since }).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
}
