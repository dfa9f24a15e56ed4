import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForgeError } from '../../src/errors.js';
import { explainRefusedPush as githubRefusal, githubLinks } from '../../src/forges/github/links.js';
import { explainRefusedPush as gitlabRefusal, gitlabLinks } from '../../src/forges/gitlab/links.js';
import { adapterFixture, PROJECT, type AdapterFixture } from './github/helpers.js';

/**
 * What jobs used to decide by `forge.kind` now comes from the adapter. GitHub's comment anchor is
 * checked against the comment's own `html_url`; GitLab's shapes are the ones its web UI uses
 * (`!12`, `#note_<id>`, `/-/blob/<ref>/<path>`, `/-/packages`), as its docs describe.
 */

describe('forge links', () => {
  let f: AdapterFixture;
  beforeAll(async () => {
    f = await adapterFixture();
  });
  afterAll(() => f.sim.close());

  it('GitHub: a note URL built from the issue URL is the comment html_url the forge reports', async () => {
    const issue = await f.forge.issues.create(PROJECT, { title: 'Release', description: 'plan' });
    const note = await f.forge.notes.create(PROJECT, { kind: 'issue', iid: issue.iid }, 'hello');
    const raw = await fetch(`${f.sim.github.apiUrl}/repos/${PROJECT}/issues/comments/${note.id}`, {
      headers: { authorization: `Bearer ${f.botToken}`, accept: 'application/vnd.github+json' },
    });
    expect(raw.status).toBe(200);
    const { html_url } = (await raw.json()) as { html_url: string };
    expect(f.forge.links.noteUrl(issue.webUrl, note.id)).toBe(html_url);
    expect(f.forge.links.changeRequestRef(7)).toBe('#7');
    expect(f.forge.links.blobUrl(PROJECT, 'abc123', 'db/post migrate/x.rb')).toBe(
      `${f.sim.github.url}/${PROJECT}/blob/abc123/db/post%20migrate/x.rb`,
    );
  });

  it("GitLab's reference and URL shapes", () => {
    const links = gitlabLinks('https://gitlab.example/');
    expect([links.changeRequestNoun, links.changeRequestRef(12)]).toEqual(['MR', '!12']);
    expect(links.noteUrl('https://gitlab.example/g/p/-/issues/3', 41)).toBe(
      'https://gitlab.example/g/p/-/issues/3#note_41',
    );
    expect(links.blobUrl('g/p', 'abc', 'db/a b.rb')).toBe(
      'https://gitlab.example/g/p/-/blob/abc/db/a%20b.rb',
    );
    expect(githubLinks('https://github.example').packages('o/r').url).toBe(
      'https://github.example/o/r/releases',
    );
  });
});

describe('a refused push, explained by the adapter', () => {
  const push = { project: 'g/p', branch: 'stable', user: 'bot', force: true };
  const error = (status: number, message: string) => new ForgeError(message, status, 'f');

  it('GitLab: a 403 or a protection refusal names the protected-branch settings; a 404 is not one', () => {
    expect(gitlabRefusal(error(403, 'You are not allowed to push'), push)).toMatch(
      /Maintainer role.*Protected branches.*Allowed to force push/,
    );
    expect(gitlabRefusal(error(422, 'protected branch hook declined'), push)).toMatch(
      /the protected branch stable/,
    );
    expect(gitlabRefusal(error(404, 'Not Found'), push)).toBeNull();
    expect(gitlabRefusal(error(500, 'protected'), push)).toBeNull();
  });

  it('GitHub: a 403, a 404 (no write access) or a protection refusal names branch protection', () => {
    expect(githubRefusal(error(404, 'Not Found'), push)).toMatch(
      /write access.*branch protection.*force pushes/,
    );
    expect(githubRefusal(error(422, 'Protected branch update failed'), push)).toMatch(/cannot update stable/);
    expect(githubRefusal(error(422, 'Reference does not exist'), push)).toBeNull();
  });
});
