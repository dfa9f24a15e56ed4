import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createSign, randomBytes, randomUUID } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import bcrypt from 'bcryptjs';

/**
 * A real Distribution registry (Debian's `docker-registry`) started on 127.0.0.1 for the tests,
 * the benches and the demo: a free port, filesystem storage in a temporary directory, and either
 * no auth, htpasswd (basic) auth, or token auth whose token endpoint is a small server here (the
 * Bearer challenge flow). `seedImage` puts a small image into it over plain HTTP, without the
 * bot's registry client (the simulator imports nothing from the bot).
 */

/** The registry binary's name on PATH (Debian: `apt-get install docker-registry`). */
export const REGISTRY_COMMAND = 'docker-registry';

/** Where `docker-registry` is on PATH, or null when it is not installed. */
export function findRegistryBinary(path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, REGISTRY_COMMAND);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The binary the registries are started with (null: not installed, tests skip). */
export const REGISTRY_BINARY = findRegistryBinary();
export const registryAvailable = REGISTRY_BINARY !== null;

function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type RegistryAuthMode = 'none' | 'htpasswd' | 'token';

export interface TokenRequest {
  scopes: string[];
  service: string | null;
  authorized: boolean;
}

export interface RunningRegistry {
  url: string;
  /** The storage root: tests reach under it to corrupt a blob. */
  root: string;
  username: string;
  password: string;
  /** Token mode: every request the token endpoint got. */
  tokenRequests: TokenRequest[];
  /** The file of a blob's bytes on disk. */
  blobPath(digest: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** A token server as Distribution's token auth expects: ES256 JWTs whose x5c is the trusted cert. */
async function startTokenServer(
  dir: string,
  credentials: { username: string; password: string },
  requests: TokenRequest[],
): Promise<{ realm: string; certPath: string; server: Server }> {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=release-bot-test-token',
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(keyPath, 'utf8');
  const der = readFileSync(certPath, 'utf8')
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const scopes = url.searchParams.getAll('scope');
    const authorized = req.headers.authorization === expected;
    requests.push({ scopes, service: url.searchParams.get('service'), authorized });
    if (url.pathname !== '/token' || !authorized) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((scope) => {
      const [type, ...rest] = scope.split(':');
      const actions = rest.pop()!;
      return type === 'repository' ? [{ type, name: rest.join(':'), actions: actions.split(',') }] : [];
    });
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [der] }));
    const claims = b64url(
      JSON.stringify({
        iss: 'release-bot-test-issuer',
        sub: credentials.username,
        aud: 'release-bot-test-registry',
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      }),
    );
    const signer = createSign('SHA256');
    signer.update(`${header}.${claims}`);
    const signature = signer.sign({ key, dsaEncoding: 'ieee-p1363' });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token: `${header}.${claims}.${b64url(signature)}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { realm: `http://127.0.0.1:${port}/token`, certPath, server };
}

export async function startRegistry(
  auth: RegistryAuthMode = 'none',
  options: { binary?: string | null } = {},
): Promise<RunningRegistry> {
  const binary = options.binary === undefined ? REGISTRY_BINARY : options.binary;
  if (!binary)
    throw new Error(`${REGISTRY_COMMAND} is not on PATH (Debian: apt-get install docker-registry)`);
  const { dir, cleanup } = tempDir('release-bot-registry-');
  const root = join(dir, 'storage');
  const port = await freePort();
  const username = 'release-bot';
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const tokenRequests: TokenRequest[] = [];
  let tokenServer: Server | undefined;
  let authConfig = '';
  if (auth === 'htpasswd') {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, `${username}:${bcrypt.hashSync(password, 5)}\n`);
    authConfig = `auth:\n  htpasswd:\n    realm: release-bot-test\n    path: ${htpasswd}\n`;
  } else if (auth === 'token') {
    const token = await startTokenServer(dir, { username, password }, tokenRequests);
    tokenServer = token.server;
    authConfig =
      `auth:\n  token:\n    realm: ${token.realm}\n    service: release-bot-test-registry\n` +
      `    issuer: release-bot-test-issuer\n    rootcertbundle: ${token.certPath}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${root}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
  secret: ${randomBytes(16).toString('hex')}
${authConfig}`,
  );
  let output = '';
  const child: ChildProcess = spawn(binary, ['serve', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((resolve) => (tokenServer ? tokenServer.close(() => resolve()) : resolve()));
    cleanup();
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry exited (${child.exitCode}): ${output.slice(-2000)}`);
    }
    const ok = await fetch(`${url}/v2/`)
      .then((r) => r.status === 200 || r.status === 401)
      .catch(() => false);
    if (ok) break;
    if (i > 200) {
      await stop();
      throw new Error(`docker-registry did not answer on ${url}: ${output.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    root,
    username,
    password,
    tokenRequests,
    blobPath(digest) {
      const [algorithm, hex] = digest.split(':') as [string, string];
      return join(root, 'docker/registry/v2/blobs', algorithm, hex.slice(0, 2), hex, 'data');
    },
    stop,
  };
}

/** What `seedImage` pushed: the tag's manifest digest, and every blob and manifest under it. */
export interface SeededImage {
  digest: string;
  mediaType: string;
  /** Child manifests of an index (empty for a single-platform image). */
  manifests: string[];
  blobs: string[];
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A fetch that answers the registry's challenge: Basic, or Bearer through its token endpoint. */
function registryFetch(registry: RunningRegistry): (path: string, init?: RequestInit) => Promise<Response> {
  const basic = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
  return async (path, init = {}) => {
    const url = path.startsWith('http') ? path : `${registry.url}${path}`;
    const first = await fetch(url, { ...init, headers: { ...init.headers, authorization: basic } });
    const challenge = first.headers.get('www-authenticate') ?? '';
    if (first.status !== 401 || !/^Bearer /i.test(challenge)) return first;
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
    );
    const tokenUrl = new URL(params.realm!);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    if (params.scope) tokenUrl.searchParams.set('scope', params.scope);
    const answer = await fetch(tokenUrl, { headers: { authorization: basic } });
    if (!answer.ok) throw new Error(`registry token endpoint: HTTP ${answer.status}`);
    const { token } = (await answer.json()) as { token: string };
    return fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
  };
}

/**
 * Push a small image of random layers to `repository:tag`: one platform → an image manifest,
 * several → an OCI index over one manifest per platform. The build pipeline's upload, as far as
 * the registry can tell. Bodies are re-sent after a Bearer challenge, so they are buffers.
 */
export async function seedImage(
  registry: RunningRegistry,
  repository: string,
  tag: string,
  options: { platforms?: string[]; layerSizes?: number[] } = {},
): Promise<SeededImage> {
  const call = registryFetch(registry);
  const blobs: string[] = [];
  const pushBlob = async (bytes: Buffer, mediaType: string) => {
    const digest = sha256(bytes);
    const start = await call(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`${repository}: blob upload start: HTTP ${start.status}`);
    const location = new URL(start.headers.get('location')!, registry.url);
    location.searchParams.set('digest', digest);
    const done = await call(location.toString(), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (done.status !== 201) throw new Error(`${repository}: blob ${digest}: HTTP ${done.status}`);
    blobs.push(digest);
    return { mediaType, digest, size: bytes.length };
  };
  const pushManifest = async (reference: string, mediaType: string, json: unknown) => {
    const bytes = Buffer.from(JSON.stringify(json));
    const put = await call(`/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`${repository}:${reference}: manifest: HTTP ${put.status}`);
    return { mediaType, digest: sha256(bytes), size: bytes.length };
  };
  const platforms = options.platforms ?? ['amd64'];
  const manifests: { mediaType: string; digest: string; size: number; architecture: string }[] = [];
  for (const architecture of platforms) {
    const config = await pushBlob(
      Buffer.from(
        JSON.stringify({
          architecture,
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: [] },
          nonce: randomBytes(8).toString('hex'),
        }),
      ),
      OCI_CONFIG,
    );
    const layers = [];
    for (const size of options.layerSizes ?? [64 * 1024])
      layers.push(await pushBlob(randomBytes(size), OCI_LAYER));
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers };
    const digest = sha256(Buffer.from(JSON.stringify(manifest)));
    const reference = platforms.length === 1 ? tag : digest;
    manifests.push({ ...(await pushManifest(reference, OCI_MANIFEST, manifest)), architecture });
  }
  if (platforms.length === 1) return { ...manifests[0]!, manifests: [], blobs };
  const index = await pushManifest(tag, OCI_INDEX, {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: manifests.map(({ architecture, ...m }) => ({ ...m, platform: { architecture, os: 'linux' } })),
  });
  return { digest: index.digest, mediaType: OCI_INDEX, manifests: manifests.map((m) => m.digest), blobs };
}

/** The digest `repository:tag` points at, or null when the tag is not there. */
export async function tagDigest(
  registry: RunningRegistry,
  repository: string,
  tag: string,
): Promise<string | null> {
  const answer = await registryFetch(registry)(`/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: [
        OCI_INDEX,
        OCI_MANIFEST,
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.docker.distribution.manifest.v2+json',
      ].join(', '),
    },
  });
  if (answer.status === 404) return null;
  if (!answer.ok) throw new Error(`${repository}:${tag}: HTTP ${answer.status}`);
  return answer.headers.get('docker-content-digest');
}
