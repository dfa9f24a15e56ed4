import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

describe('GitHub view: issues, labels, comments, milestones, search', () => {
  let f: GithubFixture;
  beforeAll(async () => {
    f = await githubFixture({ ciEnabled: false });
  });
  afterAll(() => f.sim.close());

  it('creates labels (201) and refuses duplicates and bad colors (422)', async () => {
    const created = await f.bot.issues.createLabel({
      ...repo,
      name: 'release',
      color: 'FF0000',
      description: 'Release work',
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      name: 'release',
      color: 'ff0000',
      description: 'Release work',
      default: false,
    });
    const dup = await failure(f.bot.issues.createLabel({ ...repo, name: 'Release', color: '00ff00' }));
    expect(dup).toMatchObject({
      status: 422,
      data: {
        message: 'Validation Failed',
        errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
      },
    });
    const bad = await failure(f.bot.issues.createLabel({ ...repo, name: 'x', color: 'red' }));
    expect(bad.data.errors).toEqual([{ resource: 'Label', code: 'invalid', field: 'color' }]);
    expect((await f.bot.issues.getLabel({ ...repo, name: 'release' })).data.name).toBe('release');
    expect((await failure(f.bot.issues.getLabel({ ...repo, name: 'nope' }))).status).toBe(404);
  });

  it('creates, lists (paginated, with PRs), gets and updates issues', async () => {
    for (let i = 1; i <= 5; i++)
      await f.bot.issues.create({ ...repo, title: `Issue ${i}`, labels: i % 2 ? ['release'] : [] });
    await f.sim.push({ forge: 'github', project: 'acme/app', branch: 'pr', files: { p: 'p' }, message: 'p' });
    await f.bot.pulls.create({ ...repo, title: 'A PR', head: 'pr', base: 'main' });
    const first = await f.bot.issues.listForRepo({ ...repo, per_page: 4 });
    expect(first.data.map((i) => i.number)).toEqual([6, 5, 4, 3]);
    expect(first.data[0]!.pull_request?.url).toMatch(/\/pulls\/6$/);
    expect(first.data[1]).not.toHaveProperty('pull_request');
    expect(first.headers.link).toMatch(/rel="next".*rel="last"/);
    const all = await f.bot.paginate(f.bot.issues.listForRepo, { ...repo, per_page: 2 });
    expect(all).toHaveLength(6);
    const labelled = await f.bot.issues.listForRepo({ ...repo, labels: 'release' });
    expect(labelled.data.map((i) => i.number)).toEqual([5, 3, 1]);
    expect(labelled.data[0]!.labels).toEqual([expect.objectContaining({ name: 'release', color: 'ff0000' })]);

    const updated = await f.bot.issues.update({
      ...repo,
      issue_number: 2,
      state: 'closed',
      body: 'done',
      title: 'Issue two',
    });
    expect(updated.data).toMatchObject({
      state: 'closed',
      body: 'done',
      title: 'Issue two',
      state_reason: 'completed',
    });
    expect(updated.data.closed_at).toMatch(/Z$/);
    expect((await f.bot.issues.listForRepo({ ...repo, state: 'closed' })).data.map((i) => i.number)).toEqual([
      2,
    ]);
    expect((await f.bot.issues.get({ ...repo, issue_number: 2 })).data.title).toBe('Issue two');
    expect((await failure(f.bot.issues.get({ ...repo, issue_number: 77 }))).status).toBe(404);
    expect((await failure(f.bot.issues.create({ ...repo, title: '' }))).status).toBe(422);
  });

  it('adds, sets and removes labels on issues and PRs', async () => {
    const added = await f.bot.issues.addLabels({ ...repo, issue_number: 2, labels: ['bug', 'release'] });
    expect(added.data.map((l) => l.name)).toEqual(['bug', 'release']);
    const set = await f.bot.issues.setLabels({ ...repo, issue_number: 6, labels: ['automerge'] });
    expect(set.data.map((l) => l.name)).toEqual(['automerge']);
    expect((await f.bot.pulls.get({ ...repo, pull_number: 6 })).data.labels.map((l) => l.name)).toEqual([
      'automerge',
    ]);
    const removed = await f.bot.issues.removeLabel({ ...repo, issue_number: 2, name: 'bug' });
    expect(removed.data.map((l) => l.name)).toEqual(['release']);
    const missing = await failure(f.bot.issues.removeLabel({ ...repo, issue_number: 2, name: 'bug' }));
    expect(missing).toMatchObject({ status: 404, data: { message: 'Label does not exist' } });
    expect((await f.bot.issues.listLabelsForRepo(repo)).data.map((l) => l.name)).toEqual([
      'release',
      'bug',
      'automerge',
    ]);
  });

  it('comments on issues and PRs: list, create, update', async () => {
    const c1 = await f.bot.issues.createComment({ ...repo, issue_number: 1, body: 'first' });
    expect(c1.status).toBe(201);
    expect(c1.data).toMatchObject({
      body: 'first',
      user: { login: 'bot' },
      author_association: 'COLLABORATOR',
    });
    expect(c1.data.html_url).toContain('/issues/1#issuecomment-');
    await f.alice.issues.createComment({ ...repo, issue_number: 1, body: 'second' });
    await f.bot.issues.createComment({ ...repo, issue_number: 6, body: 'on the PR' });
    const list = await f.bot.issues.listComments({ ...repo, issue_number: 1 });
    expect(list.data.map((c) => c.body)).toEqual(['first', 'second']);
    const edited = await f.bot.issues.updateComment({
      ...repo,
      comment_id: c1.data.id,
      body: 'first (edited)',
    });
    expect(edited.data.body).toBe('first (edited)');
    expect((await f.bot.issues.getComment({ ...repo, comment_id: c1.data.id })).data.body).toBe(
      'first (edited)',
    );
    expect((await f.bot.issues.get({ ...repo, issue_number: 1 })).data.comments).toBe(2);
    expect((await f.bot.issues.listComments({ ...repo, issue_number: 6 })).data.map((c) => c.body)).toEqual([
      'on the PR',
    ]);
    expect(
      (await failure(f.outsider.issues.createComment({ ...repo, issue_number: 1, body: 'x' }))).status,
    ).toBe(404);
  });

  it('milestones: create, list by state sorted by due_on, assign to issues', async () => {
    const day = (n: number) => new Date(Date.UTC(2030, 0, n)).toISOString();
    await f.bot.issues.createMilestone({ ...repo, title: '17.2', due_on: day(20) });
    await f.bot.issues.createMilestone({ ...repo, title: '17.1', due_on: day(10) });
    const closed = await f.bot.issues.createMilestone({
      ...repo,
      title: '17.0',
      due_on: day(1),
      state: 'closed',
    });
    expect(closed.status).toBe(201);
    expect(closed.data).toMatchObject({
      title: '17.0',
      state: 'closed',
      number: 3,
      due_on: '2030-01-01T00:00:00Z',
    });
    const open = await f.bot.issues.listMilestones(repo);
    expect(open.data.map((m) => m.title)).toEqual(['17.1', '17.2']);
    expect((await f.bot.issues.listMilestones({ ...repo, state: 'all' })).data).toHaveLength(3);
    const dup = await failure(f.bot.issues.createMilestone({ ...repo, title: '17.1' }));
    expect(dup.data.errors).toEqual([{ resource: 'Milestone', code: 'already_exists', field: 'title' }]);
    const issue = await f.bot.issues.create({ ...repo, title: 'Release 17.1', milestone: 2 });
    expect(issue.data.milestone).toMatchObject({ title: '17.1', number: 2, open_issues: 1 });
  });

  it('searches issues by repo, type, state, label and title words', async () => {
    const search = (q: string) => f.bot.search.issuesAndPullRequests({ q }).then((r) => r.data);
    const prs = await search('repo:acme/app is:pr is:open');
    expect(prs.items.map((i) => i.number)).toEqual([6]);
    expect(prs.incomplete_results).toBe(false);
    const labelled = await search('repo:acme/app is:issue label:release state:open');
    expect(labelled.items.map((i) => i.number).sort()).toEqual([1, 3, 5]);
    const titled = await search('repo:acme/app "Release 17.1" in:title');
    expect(titled.total_count).toBe(1);
    expect((await search('repo:acme/other is:issue')).total_count).toBe(0);
  });
});
