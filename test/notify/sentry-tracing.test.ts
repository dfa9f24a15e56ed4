import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSentry, type SentryReporter } from '../../src/notify/sentry-loader.js';
import { registerSecret } from '../../src/secrets/masker.js';
import { assertNoCanary, canaryToken } from '../support/canary.js';
import {
  startSentryReceiver,
  type SentryReceiver,
} from '../../packages/forge-sandbox/src/receivers/sentry-receiver.js';

// Tracing is off unless configured; when it is on, transactions are masked like events.
describe('Sentry with tracing enabled', () => {
  let receiver: SentryReceiver;
  let sentry: SentryReporter;
  const canary = canaryToken('github');

  beforeAll(async () => {
    receiver = await startSentryReceiver();
    registerSecret(canary);
    sentry = await loadSentry({ dsn: receiver.dsn, tracesSampleRate: 1 });
  });
  afterAll(async () => {
    await sentry.close(2000);
    await receiver.close();
  });

  it('masks secrets in transactions and their spans', async () => {
    await Sentry.startSpan({ name: `run with ${canary}`, op: 'job' }, async () => {
      await Sentry.startSpan(
        { name: `GET /repos?token=${canary}`, op: 'http.client' },
        async () => undefined,
      );
    });
    await sentry.flush(30_000);
    const [transaction] = receiver.ofType<{ transaction: string; spans: Array<{ description: string }> }>(
      'transaction',
    );
    expect(transaction?.transaction).toBe('run with [MASKED]');
    expect(transaction?.spans.map((s) => s.description)).toEqual(['GET /repos?token=[MASKED]']);
    assertNoCanary(
      canary,
      receiver.envelopes.map((e) => e.raw),
      'Sentry envelopes',
    );
  });
});
