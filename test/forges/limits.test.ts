import { describe, expect, it } from 'vitest';
import { ForgeLimitError } from '../../src/forges/answer-error.js';
import { withForgeCall } from '../../src/forges/call-context.js';
import {
  countPage,
  hasNextPage,
  readAnswerText,
  requestBudget,
  takeRequest,
} from '../../src/forges/limits.js';

/** The bounds of limits.ts on their own: what counts as "there is a next page", and each limit's error. */

describe('hasNextPage', () => {
  it.each([
    [
      {
        link: '<https://gitlab.example/api/v4/x?page=2>; rel="next", <https://gitlab.example/api/v4/x?page=9>; rel="last"',
      },
      true,
    ],
    [
      {
        link: '<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first"',
      },
      false,
    ],
    [{ 'x-next-page': '3' }, true],
    // GitLab's last page: the header is there, empty.
    [{ 'x-next-page': '' }, false],
    [{}, false],
  ])('%j → %s', (headers, expected) => expect(hasNextPage(new Headers(headers))).toBe(expected));
});

describe('limits', () => {
  it('a call may follow maxPages - 1 pages that say "next"; the next one fails naming the call', async () => {
    await withForgeCall('changeRequests.list', async () => {
      countPage('gl', 3, 'GET /x');
      countPage('gl', 3, 'GET /x');
      expect(() => countPage('gl', 3, 'GET /x')).toThrow(/changeRequests\.list followed 3 pages/);
    });
    // Outside a Forge call (nothing to attribute it to) pages are not counted; the budget still is.
    expect(() => countPage('gl', 1, 'GET /x')).not.toThrow();
  });

  it('the request budget: max requests pass, the next fails with a typed error', () => {
    const budget = requestBudget(2);
    takeRequest(budget, 'gh', 'GET /a');
    takeRequest(budget, 'gh', 'GET /b');
    expect(() => takeRequest(budget, 'gh', 'GET /c')).toThrow(ForgeLimitError);
    expect(() => takeRequest(budget, 'gh', 'GET /c')).toThrow(/budget of 2 requests/);
  });

  it('answer size: by content-length before reading, and while reading a body without one', async () => {
    const declared = new Response('x'.repeat(10), { headers: { 'content-length': '5000' } });
    await expect(readAnswerText(declared, 100, 'gl', 'GET /x')).rejects.toThrow(
      /answered 5000 bytes, over the limit of 100/,
    );
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(64));
      },
    });
    await expect(readAnswerText(new Response(endless), 1000, 'gl', 'GET /x')).rejects.toThrow(
      /more than 1000 bytes/,
    );
    // It stopped reading soon after the limit: an endless body is never read to its end.
    expect(pulled).toBeLessThan(40);
    expect(await readAnswerText(new Response('{"ok":true}'), 100, 'gl', 'GET /x')).toBe('{"ok":true}');
  });
});
