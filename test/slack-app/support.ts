import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackSignature } from '../../src/slack-app/signature.js';

/** Slack's side of the conversation for tests: signed requests as Slack sends them, and a response_url receiver. */

export const SECRET = 'test-signing-secret-8f3a2c';

export interface SignedOptions {
  secret?: string;
  /** Seconds since the epoch (default: now). */
  timestamp?: number;
  /** Sign this body but send another (tampering). */
  sentBody?: string;
}

export async function slackPost(
  base: string,
  path: '/slack/commands' | '/slack/actions',
  form: Record<string, string>,
  options: SignedOptions = {},
): Promise<{
  status: number;
  text: string;
  json: () => unknown;
  replay: () => Promise<{ status: number; text: string }>;
}> {
  const body = new URLSearchParams(form).toString();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': slackSignature(options.secret ?? SECRET, timestamp, body),
  };
  const send = async () => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers,
      body: options.sentBody ?? body,
    });
    return { status: response.status, text: await response.text() };
  };
  const first = await send();
  return { ...first, json: () => JSON.parse(first.text) as unknown, replay: send };
}

export function command(text: string, user = 'U0ALICE', responseUrl?: string): Record<string, string> {
  return {
    token: 'deprecated-verification-token',
    team_id: 'T0TEAM',
    team_domain: 'example',
    channel_id: 'C0RELEASES',
    channel_name: 'releases',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/release-bot',
    text,
    api_app_id: 'A0APP',
    ...(responseUrl ? { response_url: responseUrl } : {}),
    trigger_id: '1.2.3',
  };
}

export function click(input: {
  user: string;
  actionId: string;
  value: string;
  responseUrl: string;
}): Record<string, string> {
  return {
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: input.user, username: input.user.toLowerCase(), team_id: 'T0TEAM' },
      team: { id: 'T0TEAM', domain: 'example' },
      api_app_id: 'A0APP',
      response_url: input.responseUrl,
      trigger_id: '1.2.3',
      container: { type: 'message', message_ts: '1.1', channel_id: 'C0RELEASES' },
      actions: [
        { type: 'button', action_id: input.actionId, block_id: 'b', value: input.value, action_ts: '1.2' },
      ],
    }),
  };
}

/** Receives POSTs to response_url; `next()` resolves with the next one. */
export async function responseReceiver(): Promise<{
  url: string;
  received: unknown[];
  next(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}> {
  const received: unknown[] = [];
  const waiting: ((body: Record<string, unknown>) => void)[] = [];
  let taken = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      received.push(parsed);
      res.end('ok');
      const w = waiting.shift();
      if (w) {
        taken++;
        w(parsed);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
  return {
    url,
    received,
    next() {
      if (received.length > taken) return Promise.resolve(received[taken++] as Record<string, unknown>);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
