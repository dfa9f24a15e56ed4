import { afterEach, describe, expect, it } from 'vitest';
import { renderSlackMessage, type SectionBlock, type SlackPayload } from '../../src/notify/slack-blocks.js';
import type { NotifyMessage } from '../../src/notify/types.js';
import { registerSecret, resetSecrets } from '../../src/secrets/masker.js';
import {
  activeMentions,
  slackStrings,
  validateBlockKit,
} from '../../packages/forge-sandbox/src/receivers/block-kit.js';
import { canaryToken, findCanary } from '../support/canary.js';

const INJECTION = 'fix <!channel> & <@U123> @here';
const context = { job: 'report-pipeline-failures', runId: 'run-7' };

function render(message: Partial<NotifyMessage>): SlackPayload {
  const payload = renderSlackMessage({ title: 'title', severity: 'info', context, ...message });
  // Every rendering in this file must be a message Slack accepts.
  expect(validateBlockKit(payload)).toEqual([]);
  return payload;
}

function sections(payload: SlackPayload): string[] {
  return payload.blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
}

describe('renderSlackMessage: escaping', () => {
  it('neutralises mention injection from forge text everywhere it can appear', () => {
    const payload = render({
      title: INJECTION,
      severity: 'error',
      sections: [INJECTION],
      fields: [{ label: INJECTION, value: INJECTION, url: 'https://gitlab.example/mr/1' }],
      items: [INJECTION, { text: INJECTION, url: 'https://gitlab.example/job/1' }],
      itemsTitle: INJECTION,
      links: [{ text: INJECTION, url: 'https://gitlab.example/pipeline/1' }],
      nextStep: `ask <!everyone> or <!subteam^S999> or @everyone and @channel`,
      context: { job: '<!here>', runId: '@here' },
    });
    expect(activeMentions(payload)).toEqual([]);
    expect(sections(payload)).toContain('fix &lt;!channel&gt; &amp; &lt;@\u200BU123&gt; @\u200Bhere');
    expect(payload.text).toContain('fix &lt;!channel&gt; &amp; &lt;@\u200BU123&gt; @\u200Bhere');
    expect(payload.text).toContain('@\u200Beveryone and @\u200Bchannel');
    for (const text of slackStrings(payload.blocks)) expect(text).not.toMatch(/<!|<@/);
  });

  it('breaks group handles in forge text but leaves email addresses alone', () => {
    const payload = render({ title: 'revert by @gitaly-team, mail ops@example.com' });
    expect(payload.text).toContain('by @\u200Bgitaly-team, mail ops@example.com');
  });

  it('emits only the trusted mention raw, in the text fallback and the lead section', () => {
    const payload = render({
      title: INJECTION,
      mention: '<!subteam^S0123ABC|@gitaly>',
      nextStep: 'Revert the bump',
    });
    expect(activeMentions(payload)).toEqual(['<!subteam^S0123ABC|@gitaly>', '<!subteam^S0123ABC|@gitaly>']);
    expect(payload.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '<!subteam^S0123ABC|@gitaly> *Next step:* Revert the bump',
        verbatim: false,
      },
    });
    expect(payload.link_names).toBeUndefined();
  });

  it.each([
    ['<!subteam^S0123>', '<!subteam^S0123>', false],
    ['<@U024BE7LH>', '<@U024BE7LH>', false],
    ['@gitaly-team', '@gitaly-team', true],
    ['<!channel>', '&lt;!channel&gt;', false],
    ['<!here|here>', '&lt;!here|here&gt;', false],
    ['team <!everyone>', 'team &lt;!everyone&gt;', false],
  ])('mention %s renders as %s', (mention, rendered, linkNames) => {
    const payload = render({ mention });
    expect(payload.text.split('\n')[1]).toBe(rendered);
    expect(payload.link_names ?? false).toBe(linkNames);
  });

  it('masks registered secrets before measuring and escaping', () => {
    const token = canaryToken('glpat');
    registerSecret(token);
    const payload = render({
      title: `push with ${token} failed`,
      sections: [`remote: ${token}`],
      items: [token],
    });
    expect(findCanary(token, [payload])).toEqual([]);
    expect(payload.text).toContain('push with [MASKED] failed');
  });

  afterEach(() => resetSecrets());
});

describe('renderSlackMessage: layout and limits', () => {
  it('renders header, lead, fields, prose, list, buttons and context in that order', () => {
    const payload = render({
      title: 'gitaly bump MR pipeline failed',
      severity: 'error',
      mention: '@gitaly-team',
      nextStep: 'Revert the component change',
      fields: [
        { label: 'Project', value: 'org/gitlab', url: 'https://gitlab.example/org/gitlab' },
        { label: 'Verdict', value: 'regression' },
      ],
      sections: ['The default branch is green; the bump MR fails.'],
      itemsTitle: 'Failed jobs',
      items: [{ text: 'rspec 3/8', url: 'https://gitlab.example/jobs/1' }, 'db:migrate'],
      links: [{ text: 'Pipeline', url: 'https://gitlab.example/pipelines/9' }],
    });
    expect(payload.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'actions',
      'context',
    ]);
    expect(payload.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':rotating_light: gitaly bump MR pipeline failed', emoji: true },
    });
    expect((payload.blocks[2] as SectionBlock).fields?.map((f) => f.text)).toEqual([
      '*Project*\n<https://gitlab.example/org/gitlab|org/gitlab>',
      '*Verdict*\nregression',
    ]);
    expect(sections(payload)[2]).toBe(
      '*Failed jobs*\n• <https://gitlab.example/jobs/1|rspec 3/8>\n• db:migrate',
    );
    expect(payload.link_names).toBe(true);
    expect(payload.unfurl_links).toBe(false);
  });

  it.each([
    ['error', ':rotating_light:'],
    ['warning', ':warning:'],
    ['success', ':white_check_mark:'],
    ['info', ':information_source:'],
  ] as const)('marks severity %s with %s', (severity, emoji) => {
    expect(render({ severity }).blocks[0]).toMatchObject({ text: { text: `${emoji} title` } });
  });

  it('keeps a message with 200 long failed jobs under 50 blocks and says how many were left out', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({
      text: `job ${i} <script> & ${'x'.repeat(800)}`,
      url: `https://gitlab.example/org/gitlab/-/jobs/${i}?trace=${'q'.repeat(350)}`,
    }));
    const payload = render({ severity: 'error', itemsTitle: 'Failed jobs', items, sections: ['one', 'two'] });
    expect(payload.blocks.length).toBeLessThanOrEqual(50);
    const texts = sections(payload);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(3000);
    const shown = texts.join('\n').match(/^• /gm)?.length ?? 0;
    const more = Number(/_…and (\d+) more_/.exec(texts.join('\n'))?.[1]);
    expect(shown).toBeGreaterThan(50);
    expect(shown + more).toBe(200);
    expect(texts).toContain('one');
  });

  it('shows all of a long list of short items when it fits', () => {
    const items = Array.from({ length: 200 }, (_, i) => `rspec-unit ${i}/200`);
    const payload = render({ items });
    expect(sections(payload).join('\n').match(/^• /gm)).toHaveLength(200);
    expect(payload.text).not.toContain('more');
  });

  it('summarises thousands of items in the last section that fits', () => {
    const items = Array.from({ length: 5000 }, (_, i) => `job-${i} ${'y'.repeat(100)}`);
    const payload = render({ items, fields: [{ label: 'Project', value: 'org/app' }] });
    expect(payload.blocks.length).toBe(50);
    const texts = sections(payload);
    const shown = texts.join('\n').match(/^• /gm)?.length ?? 0;
    expect(texts.at(-1)).toMatch(new RegExp(`_…and ${5000 - shown} more_$`));
  });

  it('splits long prose into sections of at most 3000 characters without cutting an entity', () => {
    const paragraph = Array.from({ length: 400 }, (_, i) => `line ${i}: a<b & c>d`).join('\n');
    const payload = render({ sections: [paragraph, '&'.repeat(5000)] });
    const texts = sections(payload);
    expect(texts.length).toBeGreaterThan(4);
    for (const text of texts) {
      expect(text.length).toBeLessThanOrEqual(3000);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    const prose = texts.filter((t) => t.startsWith('line ') || /^line \d/m.test(t)).join('\n');
    expect(prose.split('\n')).toHaveLength(400);
  });

  it('cuts prose before the list when both cannot fit', () => {
    const payload = render({
      sections: Array.from({ length: 80 }, (_, i) => `paragraph ${i}`),
      items: Array.from({ length: 400 }, (_, i) => `job ${i} ${'z'.repeat(600)}`),
    });
    expect(payload.blocks.length).toBe(50);
    const texts = sections(payload);
    expect(texts.some((t) => t.endsWith('_(message cut)_'))).toBe(true);
    expect(texts.filter((t) => t.startsWith('• ')).length).toBeGreaterThanOrEqual(2);
  });

  it('puts at most 10 fields per section, at most 2000 characters each, and summarises beyond 20', () => {
    const fields = Array.from({ length: 25 }, (_, i) => ({
      label: `field ${i}`,
      value: 'v'.repeat(i === 0 ? 5000 : 3),
    }));
    const payload = render({ fields });
    const fieldSections = payload.blocks.filter((b): b is SectionBlock => b.type === 'section' && !!b.fields);
    expect(fieldSections.map((s) => s.fields?.length)).toEqual([10, 10]);
    expect(fieldSections[0]?.fields?.[0]?.text.length).toBeLessThanOrEqual(2000);
    expect(fieldSections[1]?.fields?.at(-1)?.text).toBe('_…and 6 more_');
  });

  it('renders valid http(s) links as buttons (≤ 25, text ≤ 75) and drops other URLs', () => {
    const links = [
      { text: 'javascript', url: 'javascript:alert(1)' },
      { text: 'no url', url: 'not a url' },
      { text: 'too long', url: `https://example.com/${'a'.repeat(3100)}` },
      { text: `MR !12 ${'long '.repeat(30)}`, url: 'https://gitlab.example/mr/12?a=1|2' },
      ...Array.from({ length: 30 }, (_, i) => ({ text: `link ${i}`, url: `https://gitlab.example/${i}` })),
    ];
    const payload = render({ links });
    const actions = payload.blocks.filter((b) => b.type === 'actions');
    expect(actions).toHaveLength(1);
    const buttons = actions[0]?.type === 'actions' ? actions[0].elements : [];
    expect(buttons).toHaveLength(25);
    expect(buttons[0]?.url).toBe('https://gitlab.example/mr/12?a=1%7C2');
    expect(buttons[0]?.text.text.length).toBeLessThanOrEqual(75);
    expect(buttons.map((b) => b.url).join()).not.toContain('javascript');
    // The six links beyond 25 buttons are listed as text links.
    expect(sections(payload).at(-1)).toBe(
      Array.from({ length: 6 }, (_, i) => `<https://gitlab.example/${i + 24}|link ${i + 24}>`).join('\n'),
    );
  });

  it('cuts a long title to the 150-character header limit', () => {
    const payload = render({ title: `${'&'.repeat(40)}${'t'.repeat(300)}` });
    const header = payload.blocks[0];
    expect(header?.type === 'header' && header.text.text.length).toBeLessThanOrEqual(150);
    expect(header?.type === 'header' && header.text.text).toMatch(/^:information_source: (&amp;)+t*…$/);
  });

  it('puts job, run id and dry run in the context block', () => {
    expect(render({ context: { job: 'update-component', runId: '42', dryRun: true } }).blocks.at(-1)).toEqual(
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'job `update-component` · run `42` · *dry run*' }],
      },
    );
    expect(render({ context: { job: 'heartbeat' } }).blocks).toEqual([
      expect.objectContaining({ type: 'header' }),
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'job `heartbeat`' }] },
    ]);
  });

  it('carries title, mention, key facts, next step and the first link in the text fallback', () => {
    const payload = render({
      title: 'gitaly bump MR pipeline failed',
      severity: 'error',
      mention: '<!subteam^S0123>',
      fields: [
        { label: 'Project', value: 'org/gitlab' },
        { label: 'Verdict', value: 'flake <retried once>' },
      ],
      nextStep: 'Nothing: the bot retried the job',
      items: ['rspec'],
      links: [
        { text: 'bad', url: 'ftp://x' },
        { text: 'Pipeline #9', url: 'https://gitlab.example/pipelines/9' },
      ],
    });
    expect(payload.text).toBe(
      [
        ':rotating_light: gitaly bump MR pipeline failed',
        '<!subteam^S0123>',
        'Project: org/gitlab · Verdict: flake &lt;retried once&gt;',
        'Next step: Nothing: the bot retried the job',
        '<https://gitlab.example/pipelines/9|Pipeline #9>',
      ].join('\n'),
    );
    expect(
      render({ title: 'x'.repeat(10_000), nextStep: 'n'.repeat(10_000) }).text.length,
    ).toBeLessThanOrEqual(3000);
  });
});
