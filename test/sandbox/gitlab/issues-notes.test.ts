import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ISO, push, setup, type Fixture } from './helpers.js';

describe('GitLab issues, notes, labels and milestones', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await setup();
  });
  afterAll(() => fx.close());

  it('labels: list, create (201), 409 when it exists, validation 400', async () => {
    const res = await fx.raw('/api/v4/projects/org%2Fapp/labels', {
      method: 'POST',
      body: JSON.stringify({ name: 'release-bot', color: '#FF0000', description: 'made by the bot' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      name: 'release-bot',
      color: '#FF0000',
      text_color: '#FFFFFF',
      description: 'made by the bot',
      is_project_label: true,
    });
    await expectError(
      fx.api.ProjectLabels.create('org/app', 'release-bot', '#00FF00'),
      409,
      'Label already exists',
    );
    const bad = await fx.raw('/api/v4/projects/org%2Fapp/labels', {
      method: 'POST',
      body: JSON.stringify({ name: 'x', color: 'not-a-color' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ message: { color: ['must be a valid color code'] } });
    const none = await fx.raw('/api/v4/projects/org%2Fapp/labels', {
      method: 'POST',
      body: JSON.stringify({ color: '#fff' }),
    });
    expect(await none.json()).toEqual({ error: 'name is missing' });
    const labels = await fx.api.ProjectLabels.all('org/app');
    expect(labels.map((l) => l.name)).toEqual(['release-bot']);
  });

  it('milestones: create with dates, list by state and title', async () => {
    const m = await fx.api.ProjectMilestones.create('org/app', '17.6', {
      startDate: '2026-11-16',
      dueDate: '2026-12-15',
      description: 'November release',
    });
    expect(m).toMatchObject({
      title: '17.6',
      state: 'active',
      start_date: '2026-11-16',
      due_date: '2026-12-15',
      expired: false,
    });
    await fx.api.ProjectMilestones.create('org/app', '17.5', {
      startDate: '2026-10-16',
      dueDate: '2026-11-15',
    });
    await fx.api.ProjectMilestones.edit(
      'org/app',
      (await fx.api.ProjectMilestones.all('org/app', { title: '17.5' }))[0]!.id,
      {
        stateEvent: 'close',
      },
    );
    expect((await fx.api.ProjectMilestones.all('org/app', { state: 'active' })).map((x) => x.title)).toEqual([
      '17.6',
    ]);
    expect((await fx.api.ProjectMilestones.all('org/app', { state: 'closed' })).map((x) => x.title)).toEqual([
      '17.5',
    ]);
    await expectError(fx.api.ProjectMilestones.create('org/app', '17.6'), 400);
  });

  it('issues: create (201) with labels and milestone; get; list with labels, search, in=title, state, milestone', async () => {
    const milestone = (await fx.api.ProjectMilestones.all('org/app', { title: '17.6' }))[0]!;
    const res = await fx.raw('/api/v4/projects/org%2Fapp/issues', {
      method: 'POST',
      body: JSON.stringify({
        title: 'Release 17.6',
        description: '- [ ] deploy to staging\n- [ ] deploy to production\n',
        labels: 'release,monthly',
        milestone_id: milestone.id,
      }),
    });
    expect(res.status).toBe(201);
    const issue = (await res.json()) as Record<string, unknown>;
    expect(issue).toMatchObject({
      iid: 1,
      title: 'Release 17.6',
      state: 'opened',
      labels: ['release', 'monthly'],
      web_url: `${fx.sim.gitlab.url}/org/app/-/issues/1`,
      task_completion_status: { count: 2, completed_count: 0 },
      references: { short: '#1', relative: '#1', full: 'org/app#1' },
    });
    expect((issue.milestone as { title: string }).title).toBe('17.6');
    expect(issue.created_at).toMatch(ISO);
    await fx.api.Issues.create('org/app', 'Unrelated bug', {
      description: 'mentions Release 17.6 in the body',
      labels: 'bug',
    });
    await fx.api.Issues.create('org/app', 'Closed thing', { labels: 'release' });
    await fx.api.Issues.edit('org/app', 3, { stateEvent: 'close' });

    const byLabel = await fx.api.Issues.all({ projectId: 'org/app', labels: 'release' });
    expect(byLabel.map((i) => i.iid)).toEqual([3, 1]);
    const open = await fx.api.Issues.all({ projectId: 'org/app', labels: 'release', state: 'opened' });
    expect(open.map((i) => i.iid)).toEqual([1]);
    const search = await fx.api.Issues.all({ projectId: 'org/app', search: 'Release 17.6' });
    expect(search.map((i) => i.iid)).toEqual([2, 1]);
    const titleOnly = await fx.api.Issues.all({ projectId: 'org/app', search: 'Release 17.6', in: 'title' });
    expect(titleOnly.map((i) => i.iid)).toEqual([1]);
    const byMilestone = await fx.api.Issues.all({ projectId: 'org/app', milestone: '17.6' });
    expect(byMilestone.map((i) => i.iid)).toEqual([1]);
    expect((await fx.api.Issues.show(2, { projectId: 'org/app' })).title).toBe('Unrelated bug');
    await expectError(fx.api.Issues.show(99, { projectId: 'org/app' }), 404, '404 Not found');
  });

  it('ticking a checklist item adds the GitLab system note, authored by the updating user', async () => {
    const updated = await fx.dev.Issues.edit('org/app', 1, {
      description: '- [x] deploy to staging\n- [ ] deploy to production\n',
    });
    expect(updated.task_completion_status).toEqual({ count: 2, completed_count: 1 });
    const notes = await fx.api.IssueNotes.all('org/app', 1);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      body: 'marked the checklist item **deploy to staging** as completed',
      system: true,
      noteable_type: 'Issue',
      noteable_iid: 1,
    });
    expect((notes[0]!.author as { username: string }).username).toBe('dev');
    await fx.api.Issues.edit('org/app', 1, {
      description: '- [ ] deploy to staging\n- [ ] deploy to production\n',
    });
    const after = await fx.api.IssueNotes.all('org/app', 1, { sort: 'asc' });
    expect(after.map((n) => n.body)).toEqual([
      'marked the checklist item **deploy to staging** as completed',
      'marked the checklist item **deploy to staging** as incomplete',
    ]);
    const labels = await fx.api.Issues.edit('org/app', 1, { addLabels: 'extra', removeLabels: 'monthly' });
    expect(labels.labels).toEqual(['release', 'extra']);
  });

  it('notes on issues and MRs: create (201), update, sort and order_by, pagination', async () => {
    const res = await fx.raw('/api/v4/projects/org%2Fapp/issues/2/notes', {
      method: 'POST',
      body: JSON.stringify({ body: 'first' }),
    });
    expect(res.status).toBe(201);
    const note = (await res.json()) as Record<string, unknown>;
    expect(note).toMatchObject({
      body: 'first',
      system: false,
      noteable_type: 'Issue',
      noteable_iid: 2,
      confidential: false,
    });
    await fx.sim.advance(1000);
    await fx.api.IssueNotes.create('org/app', 2, 'second');
    const desc = await fx.api.IssueNotes.all('org/app', 2);
    expect(desc.map((n) => n.body)).toEqual(['second', 'first']);
    const asc = await fx.api.IssueNotes.all('org/app', 2, { sort: 'asc', orderBy: 'updated_at' });
    expect(asc.map((n) => n.body)).toEqual(['first', 'second']);
    const edited = await fx.api.IssueNotes.edit('org/app', 2, note.id as number, { body: 'first (edited)' });
    expect(edited.body).toBe('first (edited)');
    await expectError(
      fx.dev.IssueNotes.edit('org/app', 2, note.id as number, { body: 'hijack' }),
      403,
      '403 Forbidden',
    );
    const missing = await fx.raw('/api/v4/projects/org%2Fapp/issues/2/notes', { method: 'POST', body: '{}' });
    expect(await missing.json()).toEqual({ error: 'body is missing' });
    await expectError(fx.api.IssueNotes.create('org/app', 42, 'x'), 404);

    await push(fx, 'mr-notes', { 'a.txt': 'a\n' });
    const mr = await fx.api.MergeRequests.create('org/app', 'mr-notes', 'main', 'Notes');
    for (let i = 0; i < 3; i++) await fx.api.MergeRequestNotes.create('org/app', mr.iid, `note ${i}`);
    const page = await fx.raw(
      `/api/v4/projects/org%2Fapp/merge_requests/${mr.iid}/notes?per_page=2&sort=asc`,
    );
    expect(page.headers.get('x-total')).toBe('3');
    expect(page.headers.get('x-next-page')).toBe('2');
    expect(((await page.json()) as { body: string }[]).map((n) => n.body)).toEqual(['note 0', 'note 1']);
    const all = await fx.api.MergeRequestNotes.all('org/app', mr.iid, { perPage: 2 });
    expect(all).toHaveLength(3);
  });
});
