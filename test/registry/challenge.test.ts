import { describe, expect, it } from 'vitest';
import { parseChallenge } from '../../src/registry/challenge.js';
import { parseManifest } from '../../src/registry/manifest.js';
import { verifyingStream } from '../../src/registry/digest.js';

describe('WWW-Authenticate challenges as registries send them', () => {
  it('reads a Bearer challenge whose scope holds commas (Docker Hub, GitLab, GHCR)', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://gitlab.com/jwt/auth",service="container_registry",scope="repository:gitlab-org/gitlab:pull,push",error="insufficient_scope"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://gitlab.com/jwt/auth',
        service: 'container_registry',
        scope: 'repository:gitlab-org/gitlab:pull,push',
        error: 'insufficient_scope',
      },
    });
  });

  it('reads Basic, unquoted values and escapes; nothing for an empty header', () => {
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
    expect(parseChallenge('bearer realm=https://ghcr.io/token, service=ghcr.io')?.params).toEqual({
      realm: 'https://ghcr.io/token',
      service: 'ghcr.io',
    });
    expect(parseChallenge('Bearer realm="a\\"b"')?.params.realm).toBe('a"b');
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe('what the client refuses to follow', () => {
  it('a schema 1 manifest, or one that is not JSON', () => {
    const v1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'x', fsLayers: [] }));
    expect(() => parseManifest(v1, 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'm')).toThrow(
      /unsupported manifest type/,
    );
    expect(() => parseManifest(Buffer.from('<html>'), 'text/html', 'm')).toThrow(/not JSON/);
  });

  it('a stream longer than its descriptor, before it ends', async () => {
    const check = verifyingStream(`sha256:${'0'.repeat(64)}`, 3, 'blob');
    const out = new Blob([Buffer.from('four')]).stream().pipeThrough(check);
    await expect(new Response(out).arrayBuffer()).rejects.toThrow(/more than the 3 bytes/);
  });
});
