import { describe, expect, it } from 'vitest';
import { escapeHtml, h, link, raw, safeUrl } from '../../src/http/status/html.js';

describe('status page HTML escaping', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<script>alert("x") & 'y'</script>`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;',
    );
  });

  it('escapes every interpolated value, in text and in attributes, unless it is markup built by h', () => {
    const title = '<img src=x onerror=alert(1)>';
    const attr = '" onmouseover="alert(1)';
    const out = h`<p title="${attr}">${title}${h`<b>${title}</b>`}${raw('<i>trusted</i>')}</p>`.html;
    expect(out).toBe(
      '<p title="&quot; onmouseover=&quot;alert(1)">&lt;img src=x onerror=alert(1)&gt;<b>&lt;img src=x onerror=alert(1)&gt;</b><i>trusted</i></p>',
    );
  });

  it('joins arrays and drops null, undefined and false; numbers are text', () => {
    expect(h`${['<a>', h`<b></b>`, null, undefined, false, 0, 42]}`.html).toBe('&lt;a&gt;<b></b>042');
  });

  it('does not treat a plain object from data as markup unless it has a string html field', () => {
    expect(h`${{ html: 1 }}`.html).toBe('[object Object]');
  });

  it('accepts only absolute http(s) URLs without credentials for href', () => {
    expect(safeUrl('https://gitlab.example.com/org/gitaly/-/merge_requests/12')).toBe(
      'https://gitlab.example.com/org/gitaly/-/merge_requests/12',
    );
    expect(safeUrl('http://127.0.0.1:8080/a?b=<c>')).toBe('http://127.0.0.1:8080/a?b=%3Cc%3E');
    for (const bad of [
      'javascript:alert(1)',
      ' JaVaScRiPt:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      '//evil.example.com/x',
      '/relative/path',
      'file:///etc/passwd',
      'https://user:secret@example.com/',
      '',
      42,
      null,
      undefined,
      `https://example.com/${'a'.repeat(5000)}`,
    ])
      expect(safeUrl(bad), String(bad)).toBeNull();
  });

  it('renders a link for a safe URL and plain text for an unsafe one', () => {
    expect(link('https://example.com/mr/1', 'MR <1>').html).toBe(
      '<a class="" href="https://example.com/mr/1" rel="noopener noreferrer">MR &lt;1&gt;</a>',
    );
    expect(link('javascript:alert(1)', 'click').html).toBe('<span class="">click</span>');
    expect(link('https://example.com/"><script>', 'x').html).toContain(
      'href="https://example.com/%22%3E%3Cscript%3E"',
    );
  });
});
