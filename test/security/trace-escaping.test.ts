import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHistory, formatLogs, formatRun, formatSlackPreview } from '../../app/commands/format.js';
import { traceText } from '../../app/commands/trace.js';
import type { TraceAnswer } from '../../src/domain/bump-trace.js';
import type { JobResult } from '../../src/runner/job.js';
import type { RunRecord, Store } from '../../src/store/types.js';
import { h } from '../../src/http/status/html.js';
import { renderTracePage, traceRoutes } from '../../src/http/status/trace-page.js';
import { runCli } from '../helpers/cli.js';

/**
 * `release-bot trace` and the status page's `/trace`: what they show was written on the forge
 * (MR titles, deployment versions and URLs, environment names, summaries quoting them). It must
 * not forge terminal output (ANSI escapes, carriage returns, extra lines) nor HTML; and a sha
 * that is not one is a usage error before anything is read.
 */

const ESC = '\u001b';
const forged = `${ESC}[2J${ESC}[1;1H${ESC}[32mproduction: ok\r`;

function hostileAnswer(): TraceAnswer {
  return {
    component: 'gitaly',
    sha: '0123456789ab',
    status: 'deploying',
    summary: `on staging only${forged}\nrollback past it: safe`,
    bump: {
      url: 'javascript:alert(1)//https://gitlab.example.com/org/app/-/merge_requests/7',
      iid: 7,
      project: 'org/app',
      title: `Update gitaly <script>alert(1)</script>${forged}\u202eevil`,
      sha: '0123456789ab',
      from: 'a',
      mergeSha: 'fedcba9876543210',
      mergedAt: '2026-12-04T10:00:00.000Z',
    },
    environments: [
      {
        name: `gstg\r\n  gprd       production  2026-12-04 10:00 UTC`,
        label: '<b>staging</b>',
        reachedAt: '2026-12-04T10:00:00.000Z',
        deployment: {
          id: 41,
          version: `16.7.1"><img src=x onerror=alert(1)>${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`,
          url: `https://ops.example.com/deployments/41`,
        },
        rolledBack: null,
        failed: [
          {
            deploymentId: 40,
            url: 'data:text/html,<script>alert(2)</script>',
            at: '2026-12-04T09:00:00.000Z',
          },
        ],
      },
    ],
    verdicts: [],
    rollback: { safe: true, from: null, to: null, migrations: [], reason: `no migration\u0007${forged}` },
  } as unknown as TraceAnswer;
}

describe('trace output of forge-written text', () => {
  it('the CLI shows control characters as escapes: no ANSI sequence, carriage return or extra line reaches the terminal', () => {
    const text = traceText(hostileAnswer());
    // eslint-disable-next-line no-control-regex
    expect(text.slice(0, -1)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    // Four lines, as the bot writes them: the head, the bump, one environment, the rollback.
    expect(text.trimEnd().split('\n')).toHaveLength(4);
    expect(text).toContain('\\u001b[2J');
    expect(text).toContain('gstg\\u000d\\u000a  gprd');
    expect(text.split('\n').filter((l) => l.startsWith('rollback past it'))).toHaveLength(1);
  });

  it('the status page escapes every forge-written field and links only http(s)', () => {
    const page = renderTracePage(hostileAnswer());
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<b>staging</b>');
    expect(page).not.toMatch(/href="(javascript|data):/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('16.7.1&quot;&gt;&lt;img');
    expect(page).toContain('href="https://ops.example.com/deployments/41"');
  });
});

describe('run, show and history output of forge-written text', () => {
  it('summaries, verdicts, actions and links show control characters as escapes; an error keeps its line breaks only', () => {
    const run = {
      id: 'r1',
      job: 'update-component',
      trigger: 'schedule',
      dryRun: false,
      status: 'ok',
      startedAt: '2026-12-04T10:00:00.000Z',
      finishedAt: null,
      durationMs: 5,
      summary: `merged !7 ${forged}`,
      error: `first problem${ESC}[2K\nsecond problem`,
      attempts: 1,
      slot: null,
      holder: 'h',
      result: null,
      logs: [],
    } as unknown as RunRecord;
    const result = {
      status: 'ok',
      summary: 'x',
      verdicts: [
        { verdict: 'alert', subject: `s${forged}`, title: `MR title${forged}\n✓ fine`, nextStep: forged },
      ],
      items: [{ name: `n${forged}`, status: 'ok', summary: forged }],
      actions: [{ kind: 'k', description: `merged${forged}`, done: true, url: `https://x/${forged}` }],
      links: [{ text: forged, url: 'https://x' }],
    } as unknown as JobResult;
    const text = formatRun({ ...run, status: 'failed' } as RunRecord, result);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('error: first problem\\u001b[2K\nsecond problem');
    expect(text.split('\n').filter((l) => l.includes('✓ fine'))).toEqual([
      expect.stringContaining('MR title'),
    ]);
    // eslint-disable-next-line no-control-regex
    expect(formatHistory([run])).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(formatHistory([run]).split('\n')).toHaveLength(2);
  });
});

describe('status pages: markup is what the page made, not what looks like it', () => {
  it('a value shaped like markup ({"html": …}, as JSON from the store could be) is escaped', () => {
    const stored = JSON.parse('{"html":"<script>alert(1)</script>"}') as unknown;
    const answer = hostileAnswer();
    (answer.environments[0] as unknown as { label: unknown }).label = stored;
    const page = renderTracePage(answer);
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(h`<p>${stored}</p>`.html).toBe('<p>[object Object]</p>');
    expect(h`<p>${h`<b>${'<i>'}</b>`}</p>`.html).toBe('<p><b>&lt;i&gt;</b></p>');
  });
});

describe('trace: a sha that is not one', () => {
  const BAD = [
    '../',
    '..%2F..%2Fetc',
    'a'.repeat(200),
    'not-hex-0123',
    '012345',
    'g123456789',
    '0123456789abcdef\n',
  ];
  let server: Server;
  let base = '';
  const asked: string[] = [];
  beforeAll(async () => {
    // A store that records any read: a refused sha must not reach it.
    const store = new Proxy({} as Store, {
      get: (_, name) => {
        asked.push(String(name));
        return () => Promise.resolve([]);
      },
    });
    const handler = traceRoutes(store)[0]!;
    server = createServer((req, res) => {
      void Promise.resolve(handler(req, res, new URL(req.url ?? '/', 'http://x'))).then((done) => {
        if (!done) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server?.close());

  it('the CLI exits 2 before reading the config: `-- --help`, `../`, 200 characters, non-hex, too short', async () => {
    // A config that cannot be read: had the command got that far, it would exit 1.
    for (const sha of ['--help', ...BAD]) {
      const r = await runCli(['-c', 'no-such-config.yaml', 'trace', 'gitaly', '--', sha]);
      expect(r.code, sha).toBe(2);
      expect(r.stderr, sha).toMatch(/is not a commit sha \(7 to 64 hex digits\)/);
      expect(r.stdout, sha).toBe('');
    }
    // `--help` as an option is commander's help: exit 0, nothing read.
    const help = await runCli(['-c', 'no-such-config.yaml', 'trace', 'gitaly', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: release-bot trace/);
  });

  it('the status page answers 404 and asks the store nothing', async () => {
    for (const sha of BAD) {
      for (const prefix of ['/trace/gitaly/', '/api/trace/gitaly/']) {
        const res = await fetch(`${base}${prefix}${encodeURIComponent(sha)}`);
        expect(res.status, sha).toBe(404);
        await res.text();
      }
    }
    for (const path of ['/trace/..%2Fetc/0123456789ab', '/trace/%3Cscript%3E/0123456789ab']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('<script>');
    }
    expect(asked).toEqual([]);
  });
});

describe('a dry run’s Slack preview and a run’s log lines', () => {
  it('show forge text with control characters as escapes; a message keeps its own line breaks, indented', () => {
    const preview = formatSlackPreview([
      {
        channel: 'releases',
        text: 'gitaly bump MR: \u001b[2J\u001b[32mall green\u001b[0m\rapproved\nsecond line',
        message: { title: 'ignored' },
      },
      { channel: 'oncall', message: { title: 'title only \u202eevil' } },
    ]);
    for (const c of ['\u001b', '\r', '\u202e']) expect(preview).not.toContain(c);
    expect(preview.split('\n')).toEqual([
      '',
      'Slack messages that would have been sent:',
      '  #releases: gitaly bump MR: \\u001b[2J\\u001b[32mall green\\u001b[0m\\u000dapproved',
      '    second line',
      '  #oncall: title only \\u202eevil',
      '',
    ]);
    const logs = formatLogs(['read MR "\u001b[31mfix\u001b[0m"\nfake line']);
    expect(logs).not.toContain('\u001b');
    expect(logs.trimEnd().split('\n')).toHaveLength(3);
  });
});
