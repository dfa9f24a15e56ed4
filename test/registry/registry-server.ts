import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { tempDir } from '../helpers/tmp.js';

/**
 * A real Distribution registry (Debian's `docker-registry`) started for a test: 127.0.0.1 on a
 * free port, filesystem storage in a temporary directory, and either no auth, htpasswd (basic)
 * auth, or token auth whose token endpoint is a small server here (the Bearer challenge flow).
 */

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const registryAvailable = existsSync(REGISTRY_BINARY);

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

export async function startRegistry(auth: RegistryAuthMode = 'none'): Promise<RunningRegistry> {
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
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', config], {
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
