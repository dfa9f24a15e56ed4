import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertNoCanary, canaryToken } from '../support/canary.js';
import { collect, ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { writePart } from '../reliability/support/figures.js';

/**
 * The demo report (what `npm start` shows a newcomer, and what people paste into chats) must not
 * carry a secret either. support/demo-canary.ts runs every demo story with a canary approver token
 * and the simulator's bot token; neither may appear in the report or the logs.
 */
describe('secrets never leave: the demo report', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('holds neither the approver token nor the bot token, though both were used', async () => {
    const token = canaryToken('glpat');
    const out = join(tmp.dir, 'canary.json');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/security/support/demo-canary.ts')],
      {
        cwd: ROOT,
        env: { ...process.env, CANARY_TOKEN: token, CANARY_OUT: out, RELEASE_BOT_LOG_LEVEL: 'debug' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const result = await collect(child);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; runs: unknown[] };
    expect(report.ok).toBe(true);
    expect(report.runs.length).toBeGreaterThan(5);

    const used = JSON.parse(readFileSync(out, 'utf8')) as { botToken: string; approvals: number };
    // The test would catch a leak: the canary really went to the simulator as a token.
    expect(used.approvals).toBeGreaterThan(0);
    expect(used.botToken.length).toBeGreaterThan(10);

    assertNoCanary(token, [result.stdout], 'the demo report');
    assertNoCanary(token, [result.stderr], 'the demo logs');
    assertNoCanary(used.botToken, [result.stdout, result.stderr], 'the demo report and logs');
    writePart('security-demo-canary', {
      summary: `secrets: the approver token (sent ${used.approvals}×) and the bot token appear nowhere in the demo report or its debug logs`,
      checked: 2,
      held: 2,
    });
  }, 180_000);
});
