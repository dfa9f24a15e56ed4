import { describe, expect, it } from 'vitest';
import {
  cutAt,
  escapeText,
  isTrustedMention,
  safeUrl,
  slackLink,
  splitText,
  truncate,
} from '../../src/notify/slack-text.js';

const ZWSP = '\u200B';

describe('escapeText', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['<!channel>', '&lt;!channel&gt;'],
    ['<@U123|bob>', `&lt;@${ZWSP}U123|bob&gt;`],
    ['<!subteam^S1>', '&lt;!subteam^S1&gt;'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['@here @channel @everyone', `@${ZWSP}here @${ZWSP}channel @${ZWSP}everyone`],
    ['(@Here)', `(@${ZWSP}Here)`],
    ['ping @gitaly-team', `ping @${ZWSP}gitaly-team`],
    ['ops@example.com', 'ops@example.com'],
    ['&amp; stays literal', '&amp;amp; stays literal'],
    ['', ''],
  ])('%j → %j', (input, output) => {
    expect(escapeText(input)).toBe(output);
  });
});

describe('isTrustedMention', () => {
  it.each([
    ['<!subteam^S0123>', true],
    ['<!subteam^S0123|@gitaly>', true],
    ['<@U024BE7LH>', true],
    ['<@W024BE7LH>', true],
    ['@gitaly-team', true],
    ['<!channel>', false],
    ['<!here>', false],
    ['<!subteam^S0123> <!channel>', false],
    ['@team <!everyone>', false],
    ['gitaly', false],
    [`@${'a'.repeat(300)}`, false],
  ])('%s → %s', (mention, trusted) => {
    expect(isTrustedMention(mention)).toBe(trusted);
  });
});

describe('links', () => {
  it('accepts only http(s) URLs and encodes the characters that would end a Slack link', () => {
    expect(safeUrl('https://gitlab.example/a b|c<d>')).toBe('https://gitlab.example/a%20b%7Cc%3Cd%3E');
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('mailto:a@b.c')).toBeUndefined();
    expect(safeUrl('/relative')).toBeUndefined();
    expect(safeUrl(`https://x.example/${'a'.repeat(3000)}`)).toBeUndefined();
  });

  it('escapes the link text', () => {
    expect(slackLink('https://x.example/1', 'MR <!here> & co')).toBe(
      '<https://x.example/1|MR &lt;!here&gt; &amp; co>',
    );
    expect(slackLink('javascript:x', 'MR <b>')).toBe('MR &lt;b&gt;');
  });
});

describe('truncate and split', () => {
  it('never cuts inside an entity or a surrogate pair', () => {
    expect(cutAt('ab&amp;cd', 5)).toBe('ab');
    expect(cutAt('ab&amp;cd', 7)).toBe('ab&amp;');
    expect(cutAt('a😀b', 2)).toBe('a');
    expect(truncate('hello world', 6)).toBe('hello…');
    expect(truncate('short', 10)).toBe('short');
  });

  it('splits at line breaks, then spaces, then anywhere safe', () => {
    expect(splitText('aaaa\nbbbb\ncccc', 10)).toEqual(['aaaa\nbbbb', 'cccc']);
    expect(splitText('aaaa bbbb cccc', 10)).toEqual(['aaaa bbbb', 'cccc']);
    expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    const chunks = splitText(escapeText('&'.repeat(30)), 12);
    expect(chunks.join('')).toBe('&amp;'.repeat(30));
    for (const chunk of chunks) expect(chunk).toMatch(/^(&amp;)+$/);
  });
});
