import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy a test puts between a process and a server (PostgreSQL) to cut the link the way a
 * network partition does: `blackhole()` keeps every connection open and accepts new ones, but
 * forwards nothing in either direction and says nothing — no reset, no FIN, no error. Only time
 * limits on the client side can notice. `forward()` heals the link for new connections; the ones
 * that lost bytes to the blackhole are closed then (their protocol stream is broken, as a real
 * connection would be after a long partition).
 */

export interface TcpProxy {
  /** The port on 127.0.0.1 to connect to instead of the target. */
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  blackhole(): void;
  forward(): void;
  mode(): 'forward' | 'blackhole';
  /** Bytes the blackhole swallowed so far (both directions). */
  dropped(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'forward' | 'blackhole' = 'forward';
  let dropped = 0;
  const pairs = new Set<{ client: Socket; upstream: Socket; broken: boolean }>();

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream, broken: false };
    pairs.add(pair);
    const pipe = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (mode === 'forward') {
          to.write(chunk);
          return;
        }
        dropped += chunk.length;
        pair.broken = true;
      });
    pipe(client, upstream);
    pipe(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    // In the blackhole the server's side going away does not reach the client either.
    upstream.on('close', () => (mode === 'forward' ? end() : undefined));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    blackhole: () => void (mode = 'blackhole'),
    forward() {
      mode = 'forward';
      for (const pair of pairs) {
        if (!pair.broken) continue;
        pairs.delete(pair);
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    mode: () => mode,
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of pairs) {
          client.destroy();
          upstream.destroy();
        }
        pairs.clear();
        server.close(() => resolve());
      }),
  };
}
