import { readBody, startLocalServer } from '../receivers/local-server.js';

/**
 * A stand-in for the Prometheus HTTP API's instant query, `GET|POST /api/v1/query`, answering
 * with a vector like Prometheus does. Tests script the value of each expression (a number, or a
 * function of the evaluation time for a metric that changes during a verification window).
 */

export type FakeValue = number | null | ((at: Date) => number | null);

export interface FakePrometheus {
  url: string;
  set(expression: string, value: FakeValue): void;
  queries: { expression: string; time: string | null }[];
  failNext(count: number, status: number): void;
  close(): Promise<void>;
}

export async function startFakePrometheus(options: { now?: () => Date } = {}): Promise<FakePrometheus> {
  const now = options.now ?? (() => new Date());
  const values = new Map<string, FakeValue>();
  const queries: FakePrometheus['queries'] = [];
  let failures: number[] = [];

  const server = await startLocalServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://prometheus.invalid');
    const params = new URLSearchParams(url.search);
    if (req.method === 'POST')
      for (const [k, v] of new URLSearchParams((await readBody(req)).toString())) params.set(k, v);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/api/v1/query')
      return reply(404, { status: 'error', errorType: 'not_found', error: 'not found' });
    const expression = params.get('query') ?? '';
    const time = params.get('time');
    queries.push({ expression, time });
    const failure = failures.shift();
    if (failure)
      return reply(failure, { status: 'error', errorType: 'internal', error: 'simulated failure' });
    if (!expression)
      return reply(400, {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "query": empty',
      });
    const at = time ? new Date(Number(time) * 1000) : now();
    const scripted = values.get(expression);
    const value = typeof scripted === 'function' ? scripted(at) : scripted;
    const result =
      value === undefined || value === null
        ? []
        : [{ metric: {}, value: [at.getTime() / 1000, String(value)] }];
    return reply(200, { status: 'success', data: { resultType: 'vector', result } });
  });

  return {
    url: server.baseUrl,
    set: (expression, value) => values.set(expression, value),
    queries,
    failNext(count, status) {
      failures = [...failures, ...Array.from({ length: count }, () => status)];
    },
    close: () => server.close(),
  };
}
