import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Slack's request signing (api.slack.com/authentication/verifying-requests-from-slack): the
 * `X-Slack-Signature` header is `v0=` + hex HMAC-SHA256, keyed with the app's signing secret,
 * of `v0:<X-Slack-Request-Timestamp>:<raw body>`. A request older (or newer) than five minutes
 * is refused, so a captured request cannot be replayed later; the same request twice within the
 * window is refused by the caller (routes.ts claims each signature once in the store).
 *
 * node:crypto rather than @slack/bolt: Bolt verifies inside its own receivers (an Express or
 * HTTP server it owns); the daemon has its own server, and this is the whole algorithm.
 */

export const MAX_AGE_SECONDS = 5 * 60;

export type Verdict = { ok: true; signature: string } | { ok: false; reason: string };

export function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export function verifySlackRequest(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  now: Date;
}): Verdict {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return { ok: false, reason: 'missing Slack signature headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  const age = Math.abs(input.now.getTime() / 1000 - Number(timestamp));
  if (age > MAX_AGE_SECONDS) return { ok: false, reason: 'timestamp outside the five-minute window' };
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'malformed signature' };
  const expected = Buffer.from(slackSignature(input.secret, timestamp, input.body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'signature does not match' };
  return { ok: true, signature };
}
