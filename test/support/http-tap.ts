import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP pass-through in front of a server (a simulator forge listener) that writes down every
 * request with the credential it carried and the wall-clock time it arrived: when two bot
 * processes act as one forge user with two tokens, this tells which of them sent what. Bodies and
 * answers stream through untouched (git's smart HTTP included); the forge still sees every
 * request in its own request log. Point the simulator's public URL at the tap
 * (`sim.world.webUrl`) so the links it answers with are on the origin the clients were given.
 * `hold()` keeps matching requests waiting here until `release()`: a forge that is slow exactly
 * as long as a test needs, with no guess at how long that is.
 */

export interface TappedRequest {
  method: string;
  path: string;
  /** Date.now() when the request arrived here. */
  at: number;
  /** The credential header as sent (authorization or private-token): test tokens only. */
  credential: string;
  /** The first bytes of the body (enough to tell a GraphQL query from a mutation). */
  bodyStart: string;
}

export interface HttpTap {
  /** `http://127.0.0.1:<port>`: give this to the client instead of the server's origin. */
  url: string;
  requests(): TappedRequest[];
  /** Hold requests that match (from now on) until `release()`. */
  hold(match: (request: TappedRequest) => boolean): void;
  /** Requests waiting in the hold. */
  held(): number;
  /** Forward every held request and stop holding. */
  release(): void;
  close(): Promise<void>;
}

export async function startHttpTap(target: string): Promise<HttpTap> {
  const upstream = new URL(target);
  const seen: TappedRequest[] = [];
  let holding: ((request: TappedRequest) => boolean) | undefined;
  let waiting: (() => void)[] = [];
  const server = createServer((req, res) => {
    const credential = String(req.headers.authorization ?? req.headers['private-token'] ?? '');
    const entry: TappedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      at: Date.now(),
      credential,
      bodyStart: '',
    };
    seen.push(entry);
    req.on('data', (chunk: Buffer) => {
      if (entry.bodyStart.length < 200) entry.bodyStart += chunk.toString('latin1').slice(0, 200);
    });
    const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
    const send = () => {
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers,
          // No pooled connections to the server: nothing of the tap outlives the test.
          agent: false,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      // The client giving up (an aborted request) reaches the server as a closed connection.
      res.on('close', () => forward.destroy());
      req.pipe(forward);
    };
    if (holding?.(entry)) {
      req.pause();
      waiting.push(send);
    } else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => [...seen],
    hold: (match) => void (holding = match),
    held: () => waiting.length,
    release() {
      holding = undefined;
      const queued = waiting;
      waiting = [];
      for (const send of queued) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
