import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuth, realmAllowed } from '../../src/registry/auth.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { digestOf } from '../../src/registry/digest.js';
import { MEDIA_TYPES } from '../../src/registry/manifest.js';
import { planImage } from '../../jobs/promote-packages/images/plan.js';

/**
 * The registry client against registries that lie or attack (SECURITY.md, "Registry answers"):
 * small node:http servers on 127.0.0.x answer what a hostile or broken registry could. Every
 * answer must be checked before use, nothing may be buffered without bound, and credentials
 * go nowhere but the registry and its own token server.
 */

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

interface Hostile {
  url: string;
  seen: Seen[];
  server: Server;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function hostile(
  handler: (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void,
  host = '127.0.0.1',
): Promise<Hostile> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    handler(req, res, seen);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, seen, server };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const sha = (c: string) => `sha256:${c.repeat(64)}`;
const layer = (i: number) => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: `sha256:${i.toString(16).padStart(64, '0')}`,
  size: 10,
});
const image = (extra: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.ociManifest,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha('c'), size: 2 },
  layers: [layer(1)],
  ...extra,
});

/** Streams chunks until the client goes away; `written` says how much left before it did. */
function endless(res: ServerResponse, chunk: Buffer, state: { written: number; closed: boolean }): void {
  res.on('close', () => (state.closed = true));
  const pump = () => {
    while (!state.closed && state.written < 512 * 1024 * 1024) {
      state.written += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  pump();
}

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  return check();
};

describe('a hostile registry: manifests', () => {
  it('bytes that are not the Docker-Content-Digest they are served under, or not the digest asked for, are refused', async () => {
    const real = json(image());
    const other = json(image({ layers: [layer(2)] }));
    const reg = await hostile((req, res) => {
      res.writeHead(200, {
        'content-type': MEDIA_TYPES.ociManifest,
        'docker-content-digest': digestOf(real),
      });
      res.end(other);
    });
    const client = createRegistryClient({ url: reg.url });
    await expect(client.getManifest('app', 'v1')).rejects.toThrow(/hashes to .*expected .*refused/);
    await expect(client.getManifest('app', digestOf(real))).rejects.toThrow(/hashes to .*refused/);
  });

  it('a HEAD whose Docker-Content-Digest is not a digest is not believed: the bytes tell', async () => {
    const bytes = json(image());
    const reg = await hostile((req, res) => {
      if (req.method === 'HEAD') {
        const lie = 'sha256:all-good <b>trust me</b>';
        res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest, 'docker-content-digest': lie }).end();
        return;
      }
      res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest }).end(bytes);
    });
    const client = createRegistryClient({ url: reg.url });
    expect(await client.resolve('app', 'v1')).toMatchObject({ digest: digestOf(bytes) });
    // A GET that sends such a header is refused outright.
    const liar = await hostile((req, res) => {
      res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest, 'docker-content-digest': 'sha256:nope' });
      res.end(bytes);
    });
    await expect(createRegistryClient({ url: liar.url }).getManifest('app', 'v1')).rejects.toThrow(
      /not a supported digest/,
    );
  });

  it('a manifest over 4 MiB is refused by its content-length, and while it is read when sent chunked: the connection is dropped', async () => {
    const state = { written: 0, closed: false };
    const reg = await hostile((req, res) => {
      if (req.url!.includes('declared')) {
        res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest, 'content-length': String(1 << 30) });
        res.write('{');
        return;
      }
      res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest });
      endless(res, Buffer.alloc(64 * 1024, 0x20), state);
    });
    const client = createRegistryClient({ url: reg.url });
    await expect(client.getManifest('app', 'declared')).rejects.toThrow(/more than a manifest may hold/);
    await expect(client.getManifest('app', 'chunked')).rejects.toThrow(/more than 4194304 bytes/);
    expect(await waitFor(() => state.closed)).toBe(true);
    // What the socket buffers on the way is all that was sent past the limit.
    expect(state.written).toBeLessThan(16 * 1024 * 1024);
  });

  it('an index of thousands of children or an image of thousands of layers is refused before anything is followed', async () => {
    const index = json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: Array.from({ length: 5000 }, (_, i) => ({
        ...layer(i),
        mediaType: MEDIA_TYPES.ociManifest,
      })),
    });
    const fat = json(image({ layers: Array.from({ length: 5000 }, (_, i) => layer(i)) }));
    const reg = await hostile((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url!.includes('index') ? index : fat);
    });
    const client = createRegistryClient({ url: reg.url });
    await expect(client.getManifest('app', 'index')).rejects.toThrow(/not a valid image index/);
    await expect(client.getManifest('app', 'fat')).rejects.toThrow(/not a valid image manifest/);
    expect(reg.seen).toHaveLength(2);
  });

  it('media types and platforms that would carry terminal escapes into plans are refused', async () => {
    const evil = json(
      image({
        layers: [{ ...layer(1), mediaType: 'application/x\u001b[2J\r\nok: copied' }],
      }),
    );
    const platform = json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [
        {
          ...layer(1),
          mediaType: MEDIA_TYPES.ociManifest,
          platform: { os: 'linux\u001b[31m', architecture: 'x' },
        },
      ],
    });
    const reg = await hostile((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url!.includes('evil') ? evil : platform);
    });
    const client = createRegistryClient({ url: reg.url });
    await expect(client.getManifest('app', 'evil')).rejects.toThrow(/not a valid image manifest/);
    await expect(client.getManifest('app', 'platform')).rejects.toThrow(/not a valid image index/);
  });

  it('an index whose children together pass the memory budget fails the plan before all are read; deep nesting is refused', async () => {
    // 100 children of 300 KiB each: every one under 4 MiB, 30 MiB together.
    const pad = 'x'.repeat(300 * 1024);
    const children = Array.from({ length: 100 }, (_, i) =>
      json(image({ annotations: { pad, n: String(i) } })),
    );
    const byDigest = new Map(children.map((c) => [digestOf(c), c]));
    const index = json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: children.map((c) => ({
        mediaType: MEDIA_TYPES.ociManifest,
        digest: digestOf(c),
        size: c.length,
      })),
    });
    const nested = json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [{ mediaType: MEDIA_TYPES.ociIndex, digest: digestOf(index), size: index.length }],
    });
    const reg = await hostile((req, res) => {
      const ref = req.url!.split('/manifests/')[1]!;
      if (req.url!.startsWith('/v2/pub/')) {
        res.writeHead(404).end();
        return;
      }
      const body =
        ref === 'big'
          ? index
          : ref === 'nested'
            ? nested
            : (byDigest.get(ref) ?? (ref === digestOf(index) ? index : undefined));
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    const client = createRegistryClient({ url: reg.url, readOnly: true });
    const endpoints = { staging: client, public: client };
    const target = (tag: string) => ({ name: 'app', source: 'app', target: 'pub', tag });
    await expect(planImage(endpoints, target('big'))).rejects.toThrow(/more than .* of manifests/);
    const childGets = reg.seen.filter((s) => s.url.startsWith('/v2/app/manifests/sha256:'));
    expect(childGets.length).toBeLessThan(100);
    await expect(planImage(endpoints, target('nested'))).rejects.toThrow(/nested index is not supported/);
  });
});

describe('a hostile registry: blobs', () => {
  it('a blob longer than its descriptor fails its stream and the connection is dropped; nothing is buffered', async () => {
    const state = { written: 0, closed: false };
    const reg = await hostile((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      endless(res, Buffer.alloc(64 * 1024, 1), state);
    });
    const client = createRegistryClient({ url: reg.url });
    const blob = await client.openBlob('app', {
      mediaType: 'application/octet-stream',
      digest: sha('a'),
      size: 1000,
    });
    let read = 0;
    await expect(
      (async () => {
        for await (const chunk of blob.body) read += chunk.byteLength;
      })(),
    ).rejects.toThrow(/more than the 1000 bytes its descriptor says/);
    expect(read).toBeLessThanOrEqual(1000);
    expect(await waitFor(() => state.closed)).toBe(true);
    expect(state.written).toBeLessThan(16 * 1024 * 1024);
  });

  it('a blob GET redirected to another host does not carry the Authorization header there', async () => {
    const cdn = await hostile((req, res) => res.writeHead(200).end('abc'), '127.0.0.2');
    const reg = await hostile((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('bot:redirect-secret-1').toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
        return;
      }
      res.writeHead(307, { location: `${cdn.url}/blob?sig=1` }).end();
    });
    const client = createRegistryClient({ url: reg.url, username: 'bot', password: 'redirect-secret-1' });
    const bytes = Buffer.from('abc');
    const blob = await client.openBlob('app', { mediaType: 'x/y', digest: digestOf(bytes), size: 3 });
    expect(Buffer.from(await new Response(blob.body).arrayBuffer()).toString()).toBe('abc');
    expect(reg.seen.at(-1)!.headers.authorization).toMatch(/^Basic /);
    expect(cdn.seen).toHaveLength(1);
    expect(cdn.seen[0]!.headers.authorization).toBeUndefined();
  });

  it('an upload Location on another host is refused: no blob and no credentials go there', async () => {
    const elsewhere = await hostile((req, res) => res.writeHead(201).end(), '127.0.0.2');
    const reg = await hostile((req, res) => {
      res.writeHead(202, { location: `${elsewhere.url}/v2/app/blobs/uploads/x` }).end();
    });
    const client = createRegistryClient({ url: reg.url, username: 'bot', password: 'upload-secret-2' });
    const bytes = Buffer.from('abc');
    let opened = false;
    await expect(
      client.pushBlob('app', { mediaType: 'x/y', digest: digestOf(bytes), size: 3 }, async () => {
        opened = true;
        return { body: new Blob([bytes]).stream(), failure: () => undefined };
      }),
    ).rejects.toThrow(/upload location on another host/);
    expect(opened).toBe(false);
    expect(elsewhere.seen).toEqual([]);
  });
});

describe('a hostile registry: error answers', () => {
  it('an endless error body is read no further than its start: the error comes, the connection is dropped', async () => {
    const state = { written: 0, closed: false };
    const reg = await hostile((req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.write('{"errors":[{"code":"X","message":"');
      endless(res, Buffer.alloc(64 * 1024, 0x61), state);
    });
    const client = createRegistryClient({ url: reg.url });
    await expect(client.getManifest('app', 'v1')).rejects.toThrow(/answered 500$/);
    expect(await waitFor(() => state.closed)).toBe(true);
    expect(state.written).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('a hostile registry: tokens and credentials', () => {
  it('a token realm on another host gets no credentials (plain http registry)', async () => {
    const thief = await hostile((req, res) => res.writeHead(200).end('{"token":"t"}'), '127.0.0.2');
    const reg = await hostile((req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${thief.url}/token",service="x"` }).end();
    });
    const client = createRegistryClient({ url: reg.url, username: 'bot', password: 'realm-secret-3' });
    await expect(client.getManifest('app', 'v1')).rejects.toThrow(
      /token realm 127\.0\.0\.2:\d+ is neither the registry's host nor in its domain; refusing to send credentials/,
    );
    expect(thief.seen).toEqual([]);
  });

  it('a realm on the same host (another port) is fine; over https, the parent domain is too — like GitLab.com and Docker Hub', async () => {
    const ok = (realm: string, base: string) => realmAllowed(new URL(realm), new URL(base));
    expect(ok('https://gitlab.com/jwt/auth', 'https://registry.gitlab.com')).toBe(true);
    expect(ok('https://auth.docker.io/token', 'https://registry-1.docker.io')).toBe(true);
    expect(ok('https://ghcr.io/token', 'https://ghcr.io')).toBe(true);
    expect(ok('http://127.0.0.1:9000/token', 'http://127.0.0.1:5000')).toBe(true);
    expect(ok('https://gitlab.example.com/jwt/auth', 'https://registry.example.com')).toBe(true);
    // Elsewhere, or down to a one-label parent, or in clear text to another host: no.
    expect(ok('https://evil.example.net/token', 'https://registry.example.com')).toBe(false);
    expect(ok('https://gitlab.com.evil.net/jwt', 'https://registry.gitlab.com')).toBe(false);
    expect(ok('https://evil.io/token', 'https://ghcr.io')).toBe(false);
    expect(ok('http://gitlab.example.com/jwt/auth', 'http://registry.example.com')).toBe(false);
    expect(ok('http://127.0.0.2/token', 'http://127.0.0.1:5000')).toBe(false);
    expect(ok('https://[::2]/token', 'https://[::1]:5000')).toBe(false);

    // And the client asks nothing of a realm it refuses.
    const calls: string[] = [];
    const fake = (async (url: URL | string) => {
      calls.push(String(url));
      return new Response('{"token":"t"}');
    }) as typeof fetch;
    const base = new URL('https://registry.example.com');
    const auth = createAuth('registry.example.com', base, { username: 'u', password: 'p' }, fake);
    await expect(
      auth.answer({ scheme: 'bearer', params: { realm: 'https://tokens.attacker.net/t' } }, [
        'repository:a:pull',
      ]),
    ).rejects.toThrow(/refusing to send credentials/);
    expect(calls).toEqual([]);
    expect(await auth.answer({ scheme: 'bearer', params: { realm: 'https://auth.example.com/t' } }, [])).toBe(
      true,
    );
    expect(calls).toHaveLength(1);
  });

  it('a token answer that never ends, or a token that would break its header, gives no token', async () => {
    const state = { written: 0, closed: false };
    const tokens = await hostile((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url!.includes('crlf')) {
        res.end(JSON.stringify({ token: 'abc\r\nx-injected: 1' }));
        return;
      }
      res.write('{"token":"');
      endless(res, Buffer.alloc(64 * 1024, 0x61), state);
    });
    for (const path of ['endless', 'crlf']) {
      const reg = await hostile((req, res) => {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens.url}/${path}",service="x"` }).end();
      });
      const client = createRegistryClient({ url: reg.url, username: 'bot', password: 'token-secret-6' });
      await expect(client.getManifest('app', 'v1'), path).rejects.toThrow(
        /token endpoint .* answered no token/,
      );
      expect(reg.seen, path).toHaveLength(1);
    }
    expect(await waitFor(() => state.closed)).toBe(true);
    expect(state.written).toBeLessThan(16 * 1024 * 1024);
  });

  it('error bodies that echo the credentials or the token are masked; control characters do not reach the message', async () => {
    const password = 'echo-secret-4-pw';
    const token = 'echo-token-5-jwt';
    const tokens = await hostile((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
    });
    const reg = await hostile((req, res) => {
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens.url}/token",service="x"` }).end();
        return;
      }
      res.writeHead(403, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          errors: [
            {
              code: 'DENIED',
              message: `you sent ${req.headers.authorization} for bot:${password}\r\n\u001b[32mok: promoted`,
            },
          ],
        }),
      );
    });
    const client = createRegistryClient({ url: reg.url, username: 'bot', password });
    const error = await client.getManifest('app', 'v1').then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/answered 403 \(DENIED: you sent/);
    expect(error?.message).not.toContain(password);
    expect(error?.message).not.toContain(token);
    // eslint-disable-next-line no-control-regex
    expect(error?.message).not.toMatch(/[\u0000-\u001f\u007f]/);
    // The token endpoint's own error, echoing the basic credentials, is masked too.
    const basic = Buffer.from(`bot:${password}`).toString('base64');
    const denying = await hostile((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          errors: [{ code: 'UNAUTHORIZED', message: `bad ${req.headers.authorization} ${basic}` }],
        }),
      );
    });
    const reg2 = await hostile((req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${denying.url}/token"` }).end();
    });
    const client2 = createRegistryClient({ url: reg2.url, username: 'bot', password });
    const error2 = await client2.getManifest('app', 'v1').then(
      () => null,
      (e: Error) => e,
    );
    expect(error2?.message).toMatch(/token endpoint .* answered 401 \(UNAUTHORIZED: bad/);
    expect(error2?.message).not.toContain(basic);
  });
});
