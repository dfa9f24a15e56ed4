import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../src/errors.js';
import { createRegistryClient } from '../../src/registry/client.js';

/**
 * A registry that stops answering: a real HTTP server that accepts the request and then goes
 * quiet (no answer; or a blob that stops after a few bytes). The client gives up with a
 * transient error, which the job retries, instead of waiting for the run's time limit.
 */

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('a registry that stalls', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.includes('/blobs/')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000' });
        res.write(Buffer.alloc(10));
        return; // … and nothing more
      }
      // Manifests: never answered.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('no answer within the time limit is a transient error', async () => {
    const client = createRegistryClient({ url, timeoutMs: 200 });
    const error = await client.resolve('app', '1.0.0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/: HEAD app:1\.0\.0: no answer within 200 ms$/);
  });

  it('a blob that stops moving fails its stream, transient, and says so', async () => {
    const client = createRegistryClient({ url, idleMs: 200 });
    const source = await client.openBlob('app', { mediaType: 'x', digest: DIGEST, size: 1000 });
    const error = await new Response(source.body).arrayBuffer().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(source.failure()).toBeInstanceOf(TransientError);
    expect(source.failure()!.message).toMatch(/no bytes moved for 200 ms; gave up/);
  });
});
