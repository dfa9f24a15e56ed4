import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFixture, PROJECT, type AdapterFixture } from './helpers.js';

describe('GitHub adapter: issues, notes, labels, milestones', () => {
  let f: AdapterFixture;
  const day = 86_400_000;
  beforeAll(async () => {
    f = await adapterFixture({ ciEnabled: false });
    const post = (path: string, body: unknown) =>
      fetch(`${f.sim.github.url}/repos/${PROJECT}/${path}`, {
        method: 'POST',
        headers: { authorization: `token ${f.botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await post('milestones', { title: '17.5', due_on: new Date(Date.now() - 3 * day).toISOString() });
    await post('milestones', { title: '17.7', due_on: new Date(Date.now() + 40 * day).toISOString() });
    await post('milestones', { title: '17.6', due_on: new Date(Date.now() + 10 * day).toISOString() });
    await post('milestones', { title: 'Backlog' });
  });
  afterAll(() => f.sim.close());

  it('currentMilestone is the open milestone due next', async () => {
    expect(await f.forge.labels.currentMilestone(PROJECT)).toBe('17.6');
  });

  it('ensures labels idempotently', async () => {
    const label = await f.forge.labels.ensure(PROJECT, {
      name: 'release',
      color: '#FF0000',
      description: 'Release',
    });
    expect(label).toEqual({ name: 'release', color: '#ff0000', description: 'Release' });
    const again = await f.forge.labels.ensure(PROJECT, { name: 'release', color: '#00FF00' });
    expect(again.color).toBe('#ff0000');
    expect(f.sim.requests({ method: 'POST' }).filter((r) => r.route.endsWith('/labels'))).toHaveLength(1);
  });

  it('creates, lists (without PRs, by label and title), gets and updates issues', async () => {
    const issue = await f.forge.issues.create(PROJECT, {
      title: 'Release 17.6',
      description: 'Monthly release',
      labels: ['release'],
      assignees: ['alice'],
      milestone: '17.6',
    });
    expect(issue).toMatchObject({ iid: 1, state: 'opened', labels: ['release'], author: 'release-bot' });
    await f.forge.issues.create(PROJECT, { title: 'Unrelated', description: '' });
    await f.sim.push({ forge: 'github', project: PROJECT, branch: 'pr', files: { p: '1' }, message: 'p' });
    await f.forge.changeRequests.create(PROJECT, {
      sourceBranch: 'pr',
      targetBranch: 'main',
      title: 'Release 17.6 prep',
      description: '',
      labels: ['release'],
    });
    expect((await f.forge.issues.list(PROJECT, {})).map((i) => i.iid)).toEqual([2, 1]);
    expect((await f.forge.issues.list(PROJECT, { labels: ['release'] })).map((i) => i.iid)).toEqual([1]);
    expect((await f.forge.issues.list(PROJECT, { search: 'release 17' })).map((i) => i.iid)).toEqual([1]);
    expect((await f.forge.issues.list(PROJECT, { limit: 1 })).map((i) => i.iid)).toEqual([2]);
    expect(await f.forge.issues.get(PROJECT, 3)).toBeNull();
    expect(await f.forge.issues.get(PROJECT, 42)).toBeNull();
    const closed = await f.forge.issues.update(PROJECT, 2, { state: 'close', title: 'Unrelated (done)' });
    expect(closed).toMatchObject({ state: 'closed', title: 'Unrelated (done)' });
    expect((await f.forge.issues.list(PROJECT, { state: 'closed' })).map((i) => i.iid)).toEqual([2]);
    await expect(
      f.forge.issues.create(PROJECT, { title: 'x', description: '', milestone: 'nope' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('notes are comments on issues and PRs: create, update, list across pages', async () => {
    const note = await f.forge.notes.create(PROJECT, { kind: 'issue', iid: 1 }, 'First <!-- marker -->');
    expect(note).toMatchObject({ body: 'First <!-- marker -->', author: 'release-bot', system: false });
    const edited = await f.forge.notes.update(PROJECT, { kind: 'issue', iid: 1 }, note.id, 'First (edited)');
    expect(edited.body).toBe('First (edited)');
    await f.forge.notes.create(PROJECT, { kind: 'change_request', iid: 3 }, 'On the PR');
    expect(
      (await f.forge.notes.list(PROJECT, { kind: 'change_request', iid: 3 })).map((n) => n.body),
    ).toEqual(['On the PR']);
    // More than one page (100): the adapter follows the Link header.
    const project = f.sim.project('github', PROJECT);
    for (let i = 0; i < 120; i++)
      f.sim.world.addNote({
        projectId: project.id,
        noteableType: 'Issue',
        noteableIid: 1,
        body: `n${i}`,
        authorId: f.sim.world.userByName('alice')!.id,
      });
    const since = f.sim.mark();
    const notes = await f.forge.notes.list(PROJECT, { kind: 'issue', iid: 1 });
    expect(notes).toHaveLength(121);
    expect(notes[0]!.body).toBe('First (edited)');
    expect(f.sim.requests({ since })).toHaveLength(2);
  });
});
