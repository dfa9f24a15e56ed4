import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type AdapterFixture } from './helpers.js';

describe('GitLab adapter: notes, issues, labels, milestones', () => {
  let fx: AdapterFixture;
  beforeAll(async () => {
    fx = await setup();
  });
  afterAll(() => fx.close());

  it('labels.ensure creates once and then finds it', async () => {
    const created = await fx.forge.labels.ensure('org/app', {
      name: 'release-bot',
      color: '#6699cc',
      description: 'bot',
    });
    expect(created).toEqual({ name: 'release-bot', color: '#6699cc', description: 'bot' });
    const since = fx.sim.mark();
    const again = await fx.forge.labels.ensure('org/app', { name: 'release-bot', color: '#000000' });
    expect(again.color).toBe('#6699cc');
    expect(fx.sim.requests({ since }).map((r) => r.method)).toEqual(['GET']);
  });

  it('currentMilestone: the active milestone whose dates contain today', async () => {
    expect(await fx.forge.labels.currentMilestone('org/app')).toBeNull();
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const post = (body: object) =>
      fetch(`${fx.sim.gitlab.url}/api/v4/projects/org%2Fapp/milestones`, {
        method: 'POST',
        headers: { 'private-token': fx.token, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await post({ title: 'past', start_date: day(-40), due_date: day(-10) });
    await post({ title: 'now', start_date: day(-5), due_date: day(20) });
    await post({ title: 'undated' });
    expect(await fx.forge.labels.currentMilestone('org/app')).toBe('now');
  });

  it('issues: create, get (null when missing), list by labels/search/state, update', async () => {
    const issue = await fx.forge.issues.create('org/app', {
      title: 'Release 17.6',
      description: '- [ ] deploy',
      labels: ['release'],
      milestone: 'now',
      assignees: ['dev'],
    });
    expect(issue).toMatchObject({
      iid: 1,
      title: 'Release 17.6',
      state: 'opened',
      labels: ['release'],
      author: 'bot',
    });
    await fx.forge.issues.create('org/app', {
      title: 'Something else',
      description: 'Release 17.6 mentioned',
    });
    expect(await fx.forge.issues.get('org/app', 1)).toMatchObject({ iid: 1 });
    expect(await fx.forge.issues.get('org/app', 99)).toBeNull();
    expect((await fx.forge.issues.list('org/app', { labels: ['release'] })).map((i) => i.iid)).toEqual([1]);
    expect((await fx.forge.issues.list('org/app', { search: 'Release 17.6' })).map((i) => i.iid)).toEqual([
      1,
    ]);
    expect((await fx.forge.issues.list('org/app', { state: 'all', limit: 1 })).length).toBe(1);
    const closed = await fx.forge.issues.update('org/app', 2, { state: 'close', labels: ['done'] });
    expect(closed).toMatchObject({ state: 'closed', labels: ['done'] });
    expect((await fx.forge.issues.list('org/app', { state: 'closed' })).map((i) => i.iid)).toEqual([2]);
  });

  it('notes on issues and merge requests: list (oldest first, system notes too), create, update', async () => {
    await fx.forge.issues.update('org/app', 1, { description: '- [x] deploy' });
    const note = await fx.forge.notes.create(
      'org/app',
      { kind: 'issue', iid: 1 },
      'Deployed <!-- marker -->',
    );
    expect(note).toMatchObject({ body: 'Deployed <!-- marker -->', author: 'bot', system: false });
    const notes = await fx.forge.notes.list('org/app', { kind: 'issue', iid: 1 });
    expect(notes.map((n) => [n.system, n.body])).toEqual([
      [true, 'marked the checklist item **deploy** as completed'],
      [false, 'Deployed <!-- marker -->'],
    ]);
    const edited = await fx.forge.notes.update(
      'org/app',
      { kind: 'issue', iid: 1 },
      note.id,
      'Deployed (edited)',
    );
    expect(edited.body).toBe('Deployed (edited)');

    await fx.forge.repo.commitFiles('org/app', {
      branch: 'topic',
      message: 'topic',
      actions: [{ action: 'create', path: 't', content: 't' }],
      startFrom: 'main',
    });
    const mr = await fx.forge.changeRequests.create('org/app', {
      sourceBranch: 'topic',
      targetBranch: 'main',
      title: 'Topic',
      description: '',
    });
    for (let i = 0; i < 3; i++)
      await fx.forge.notes.create('org/app', { kind: 'change_request', iid: mr.iid }, `n${i}`);
    const mrNotes = await fx.forge.notes.list('org/app', { kind: 'change_request', iid: mr.iid });
    expect(mrNotes.map((n) => n.body)).toEqual(['n0', 'n1', 'n2']);
  });
});
