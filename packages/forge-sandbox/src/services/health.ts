import { startLocalServer } from '../receivers/local-server.js';

/**
 * A service's health endpoints, scripted per path: status, JSON body (e.g. the deployed
 * version), latency — or a sequence of answers for health that flaps during a window.
 */

export interface HealthAnswer {
  status: number;
  body?: unknown;
  latencyMs?: number;
}

export interface FakeService {
  url: string;
  /** Always answer this on `path`. */
  set(path: string, answer: HealthAnswer): void;
  /** Answer these in turn on `path` (the last one repeats). */
  sequence(path: string, answers: HealthAnswer[]): void;
  hits(path: string): number;
  close(): Promise<void>;
}

export async function startFakeService(): Promise<FakeService> {
  const scripts = new Map<string, HealthAnswer[]>();
  const hits = new Map<string, number>();
  const server = await startLocalServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://service.invalid').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const script = scripts.get(path);
    const answer = script
      ? script.length > 1
        ? script.shift()!
        : script[0]!
      : { status: 404, body: { error: 'not found' } };
    if (answer.latencyMs) await new Promise((r) => setTimeout(r, answer.latencyMs));
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body ?? { status: answer.status < 400 ? 'ok' : 'failing' }));
  });
  return {
    url: server.baseUrl,
    set: (path, answer) => scripts.set(path, [answer]),
    sequence: (path, answers) => scripts.set(path, [...answers]),
    hits: (path) => hits.get(path) ?? 0,
    close: () => server.close(),
  };
}
