import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, push, setup, SHA, type Fixture } from './helpers.js';

interface Diff {
  old_path: string;
  new_path: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  a_mode: string;
  b_mode: string;
  diff: string;
}
interface Compare {
  commit: { id: string } | null;
  commits: { id: string; title: string }[];
  diffs: Diff[];
  compare_timeout: boolean;
  compare_same_ref: boolean;
  web_url: string;
}

describe('GitLab repository files, tree, compare and tags', () => {
  let fx: Fixture;
  let base: string;
  let head: string;
  beforeAll(async () => {
    fx = await setup({
      'README.md': '# app\n',
      VERSION: '1.0.0\n',
      'docs/a b.md': 'spaces\n',
      'old.txt': 'o\n',
    });
    base = (await fx.sim.project('gitlab', 'org/app').repo.branchSha('main'))!;
    await push(fx, 'feature', { VERSION: '1.1.0\n' }, 'bump version');
    head = await push(fx, 'feature', { 'new.txt': 'n\n', 'old.txt': null }, 'add new, drop old');
  });
  afterAll(() => fx.close());

  it('GET file metadata with base64 content, blob_id, commit_id and last_commit_id', async () => {
    const f = await fx.api.RepositoryFiles.show('org/app', 'VERSION', 'feature');
    expect(f).toMatchObject({
      file_name: 'VERSION',
      file_path: 'VERSION',
      size: 6,
      encoding: 'base64',
      ref: 'feature',
      commit_id: head,
      execute_filemode: false,
      content_sha256: createHash('sha256').update('1.1.0\n').digest('hex'),
    });
    expect(Buffer.from(f.content, 'base64').toString()).toBe('1.1.0\n');
    expect(f.blob_id).toMatch(SHA);
    expect(f.last_commit_id).not.toBe(head);
    expect((await fx.api.Commits.show('org/app', f.last_commit_id as string)).title).toBe('bump version');
    const nested = await fx.api.RepositoryFiles.show('org/app', 'docs/a b.md', 'main');
    expect(nested.file_name).toBe('a b.md');
    await expectError(fx.api.RepositoryFiles.show('org/app', 'nope', 'main'), 404, '404 File Not Found');
    const res = await fx.raw('/api/v4/projects/org%2Fapp/repository/files/VERSION');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'ref is missing' });
  });

  it('GET raw file content', async () => {
    const raw = await fx.api.RepositoryFiles.showRaw('org/app', 'VERSION', 'main');
    expect(raw).toBe('1.0.0\n');
    const res = await fx.raw('/api/v4/projects/org%2Fapp/repository/files/docs%2Fa%20b.md/raw?ref=main');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('spaces\n');
  });

  it('GET tree, optionally recursive', async () => {
    const top = await fx.api.Repositories.allRepositoryTrees('org/app', { ref: 'main' });
    expect(top.map((e) => [e.name, e.type]).sort()).toEqual([
      ['README.md', 'blob'],
      ['VERSION', 'blob'],
      ['docs', 'tree'],
      ['old.txt', 'blob'],
    ]);
    const deep = await fx.api.Repositories.allRepositoryTrees('org/app', { ref: 'main', recursive: true });
    expect(deep.map((e) => e.path)).toContain('docs/a b.md');
  });

  it('compare: commits oldest first, diffs with flags, web_url', async () => {
    const cmp = (await fx.api.Repositories.compare('org/app', 'main', 'feature')) as unknown as Compare;
    expect(cmp.commits.map((c) => c.title)).toEqual(['bump version', 'add new, drop old']);
    expect((cmp.commit as { id: string }).id).toBe(head);
    expect(cmp.compare_timeout).toBe(false);
    expect(cmp.compare_same_ref).toBe(false);
    expect(cmp.web_url).toBe(`${fx.sim.gitlab.url}/org/app/-/compare/${base}...${head}`);
    const byPath = Object.fromEntries(cmp.diffs.map((d) => [d.new_path, d]));
    expect(byPath['new.txt']).toMatchObject({
      new_file: true,
      deleted_file: false,
      renamed_file: false,
      old_path: 'new.txt',
    });
    expect(byPath['old.txt']).toMatchObject({ deleted_file: true, new_file: false });
    expect(byPath.VERSION).toMatchObject({ new_file: false, a_mode: '100644', b_mode: '100644' });
    expect(byPath.VERSION!.diff).toContain('-1.0.0\n+1.1.0');
    const same = (await fx.api.Repositories.compare('org/app', 'feature', head)) as unknown as Compare;
    expect(same).toMatchObject({ compare_same_ref: true, commits: [], diffs: [], commit: null });
  });

  it('compare from the merge base unless straight, and renames', async () => {
    await push(fx, 'main', { 'main-only.txt': 'm\n' }, 'main moves on');
    const threeDot = (await fx.api.Repositories.compare('org/app', 'main', 'feature')) as unknown as Compare;
    expect(threeDot.diffs.map((d) => d.new_path)).not.toContain('main-only.txt');
    const straight = (await fx.api.Repositories.compare('org/app', 'main', 'feature', {
      straight: true,
    })) as unknown as Compare;
    expect(straight.diffs.find((d) => d.old_path === 'main-only.txt')).toMatchObject({ deleted_file: true });
    await push(fx, 'rename', { 'README.md': null, 'READ.md': '# app\n' }, 'rename');
    const renamed = (await fx.api.Repositories.compare('org/app', 'main', 'rename')) as unknown as Compare;
    expect(renamed.diffs).toEqual([
      expect.objectContaining({ old_path: 'README.md', new_path: 'READ.md', renamed_file: true }),
    ]);
  });

  it('compare_timeout can be forced for a target sha (no diffs then)', async () => {
    fx.sim.project('gitlab', 'org/app').compareTimeoutShas.add(head);
    const cmp = (await fx.api.Repositories.compare('org/app', base, head)) as unknown as Compare;
    expect(cmp.compare_timeout).toBe(true);
    expect(cmp.diffs).toEqual([]);
    expect(cmp.commits).toHaveLength(2);
    const res = await fx.raw('/api/v4/projects/org%2Fapp/repository/compare?from=main');
    expect(await res.json()).toEqual({ error: 'to is missing' });
    await expectError(fx.api.Repositories.compare('org/app', 'main', 'nope'), 404, '404 Ref Not Found');
  });

  it('tags: create (201) fires a tag push and a tag pipeline; list; duplicates are 400', async () => {
    const tag = await fx.api.Tags.create('org/app', 'v1.0.0', 'main');
    expect(tag).toMatchObject({ name: 'v1.0.0', protected: false });
    expect((tag.commit as { id: string }).id).toMatch(SHA);
    // the tag pipeline is created by a background worker after the push, not within it
    expect(await fx.api.Pipelines.all('org/app', { ref: 'v1.0.0' })).toEqual([]);
    await fx.sim.advance(30_000);
    const pipelines = await fx.api.Pipelines.all('org/app', { ref: 'v1.0.0' });
    expect(pipelines).toHaveLength(1);
    const p = await fx.api.Pipelines.show('org/app', pipelines[0]!.id);
    expect(p.tag).toBe(true);
    expect((await fx.api.Tags.all('org/app')).map((t) => t.name)).toEqual(['v1.0.0']);
    await expectError(fx.api.Tags.create('org/app', 'v1.0.0', 'main'), 400, 'Tag v1.0.0 already exists');
  });
});
