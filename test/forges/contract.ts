import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DryRunWriteError, NotFastForwardError } from '../../src/errors.js';
import type { ForgeAdapterOptions } from '../../src/forges/adapter-options.js';
import { createGithubForge } from '../../src/forges/github/index.js';
import { createGitlabForge } from '../../src/forges/gitlab/index.js';
import type { Forge } from '../../src/forges/types.js';
import type { SimForge } from '../../packages/forge-sandbox/src/core/model.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';

/**
 * One adapter suite, run against both forges: what a job may rely on whichever forge it talks to
 * (the `Forge` interface's promises), through the real SDK clients over HTTP to the simulator. A
 * behaviour that differs between forges belongs to a capability or a link helper, so it is asked
 * of those here, never of `kind`. A third forge passes this suite before any job uses it.
 */

export const PROJECT = 'acme/app';

interface ContractWorld {
  sim: Simulator;
  bot: Forge;
  dry: Forge;
  /** A developer on the project (not the bot). */
  dev: Forge;
}

async function world(kind: SimForge): Promise<ContractWorld> {
  const sim = await startSimulator();
  const bot = sim.createUser('release-bot', { bot: true });
  const dev = sim.createUser('dee');
  await sim.createProject({
    forge: kind,
    path: PROJECT,
    defaultBranch: 'main',
    members: ['release-bot', 'dee:30'],
    files: { 'README.md': '# app\n', VERSION: '1.0.0\n' },
    ciEnabled: false,
    pipelineMustSucceed: false,
    branches: ['stable'],
  });
  const make = (token: string, options: Partial<ForgeAdapterOptions> = {}): Forge => {
    const common = { token, dryRun: false, http: { retries: 2, backoffMs: 1 }, ...options };
    return kind === 'gitlab'
      ? createGitlabForge({ name: 'contract', url: sim.gitlab.url, ...common })
      : createGithubForge({ name: 'contract', url: sim.github.url, apiUrl: sim.github.apiUrl, ...common });
  };
  return { sim, bot: make(bot.token), dry: make(bot.token, { dryRun: true }), dev: make(dev.token) };
}

export function forgeContract(kind: SimForge): void {
  describe(`Forge contract: ${kind}`, () => {
    let w: ContractWorld;
    let main: string;
    beforeAll(async () => {
      w = await world(kind);
      main = (await w.sim.project(kind, PROJECT).repo.branchSha('main'))!;
    });
    afterAll(() => w.sim.close());

    it('reads the project, its user and branches; a missing branch, file or commit is null', async () => {
      expect(await w.bot.currentUser()).toMatchObject({ username: 'release-bot' });
      const project = await w.bot.repo.getProject(PROJECT);
      expect(project).toMatchObject({ path: PROJECT, defaultBranch: 'main' });
      expect(project.webUrl.startsWith(w.bot.webUrl)).toBe(true);
      expect(await w.bot.repo.getBranch(PROJECT, 'main')).toMatchObject({ name: 'main', sha: main });
      expect(await w.bot.repo.getBranch(PROJECT, 'no-such-branch')).toBeNull();
      expect(await w.bot.repo.getFile(PROJECT, 'NO-SUCH-FILE', 'main')).toBeNull();
      expect(await w.bot.repo.getCommit(PROJECT, 'f'.repeat(40))).toBeNull();
      expect(await w.bot.repo.getFile(PROJECT, 'VERSION', 'main')).toMatchObject({ content: '1.0.0\n' });
      await expect(w.bot.repo.getProject('acme/missing')).rejects.toMatchObject({ status: 404 });
    });

    it('commits files on a new branch, lists and compares commits newest first', async () => {
      const first = await w.bot.repo.commitFiles(PROJECT, {
        branch: 'release-bot/update-one',
        startFrom: 'main',
        message: 'Bump VERSION',
        actions: [{ action: 'update', path: 'VERSION', content: '1.1.0\n' }],
      });
      expect(first.parentShas).toEqual([main]);
      const second = await w.bot.repo.commitFiles(PROJECT, {
        branch: 'release-bot/update-one',
        message: 'Add notes',
        actions: [{ action: 'create', path: 'NOTES.md', content: 'notes\n' }],
      });
      expect(second.parentShas).toEqual([first.sha]);
      const file = await w.bot.repo.getFile(PROJECT, 'VERSION', 'release-bot/update-one');
      expect(file?.content).toBe('1.1.0\n');
      const commits = await w.bot.repo.listCommits(PROJECT, 'release-bot/update-one', { limit: 3 });
      expect(commits.map((c) => c.sha)).toEqual([second.sha, first.sha, main]);
      const compare = await w.bot.repo.compare(PROJECT, main, second.sha);
      expect(compare.commits.map((c) => c.sha).sort()).toEqual([first.sha, second.sha].sort());
      expect(compare.files.map((f) => f.path).sort()).toEqual(['NOTES.md', 'VERSION']);
      const listed = await w.bot.repo.listBranches(PROJECT, { prefix: 'release-bot/' });
      expect(listed.map((b) => b.name)).toEqual(['release-bot/update-one']);
    });

    it('moves a branch forward only, unless forced; creates and deletes branches', async () => {
      const created = await w.bot.repo.createBranch(PROJECT, 'release-bot/scratch', main);
      expect(created.sha).toBe(main);
      const ahead = (await w.bot.repo.getBranch(PROJECT, 'release-bot/update-one'))!.sha;
      expect((await w.bot.repo.updateBranch(PROJECT, 'release-bot/scratch', ahead)).sha).toBe(ahead);
      await expect(w.bot.repo.updateBranch(PROJECT, 'release-bot/scratch', main)).rejects.toBeInstanceOf(
        NotFastForwardError,
      );
      expect((await w.bot.repo.getBranch(PROJECT, 'release-bot/scratch'))!.sha).toBe(ahead);
      expect((await w.bot.repo.updateBranch(PROJECT, 'release-bot/scratch', main, { force: true })).sha).toBe(
        main,
      );
      await w.bot.repo.deleteBranch(PROJECT, 'release-bot/scratch');
      expect(await w.bot.repo.getBranch(PROJECT, 'release-bot/scratch')).toBeNull();
    });

    it('opens a change request, finds it by source branch and by commit, edits and closes it', async () => {
      const cr = await w.bot.changeRequests.create(PROJECT, {
        sourceBranch: 'release-bot/update-one',
        targetBranch: 'main',
        title: 'Update one',
        description: 'body',
        labels: ['bump'],
      });
      expect(cr).toMatchObject({
        state: 'opened',
        sourceBranch: 'release-bot/update-one',
        targetBranch: 'main',
      });
      expect(cr.labels).toEqual(['bump']);
      expect(cr.webUrl.startsWith(w.bot.webUrl)).toBe(true);
      expect(w.bot.links.changeRequestRef(cr.iid)).toBe(`${w.bot.links.changeRequestSigil}${cr.iid}`);
      const found = await w.bot.changeRequests.list(PROJECT, { sourceBranch: 'release-bot/update-one' });
      expect(found.map((c) => c.iid)).toEqual([cr.iid]);
      expect(await w.bot.changeRequests.list(PROJECT, { sourceBranch: 'release-bot/nothing' })).toEqual([]);
      const byCommit = await w.bot.changeRequests.listForCommit(PROJECT, cr.headSha);
      expect(byCommit.map((c) => c.iid)).toContain(cr.iid);
      expect(await w.bot.changeRequests.get(PROJECT, 9999)).toBeNull();
      const edited = await w.bot.changeRequests.update(PROJECT, cr.iid, {
        title: 'Update one (v2)',
        addLabels: ['x'],
      });
      expect(edited.title).toBe('Update one (v2)');
      expect([...edited.labels].sort()).toEqual(['bump', 'x']);
      const closed = await w.bot.changeRequests.update(PROJECT, cr.iid, { state: 'close' });
      expect(closed.state).toBe('closed');
      const reopened = await w.bot.changeRequests.update(PROJECT, cr.iid, { state: 'reopen' });
      expect(reopened.state).toBe('opened');
    });

    it('merges only the head it saw', async () => {
      const [cr] = await w.bot.changeRequests.list(PROJECT, { sourceBranch: 'release-bot/update-one' });
      // A head the caller did not see: refused, nothing merged.
      await expect(w.bot.changeRequests.merge(PROJECT, cr!.iid, { sha: main })).rejects.toMatchObject({
        status: expect.any(Number),
      });
      expect((await w.bot.changeRequests.get(PROJECT, cr!.iid))!.state).toBe('opened');
      let merged = await w.bot.changeRequests.merge(PROJECT, cr!.iid, { sha: cr!.headSha }).catch(() => null);
      // GitLab computes mergeability lazily: a first merge right after opening may be asked again.
      for (let i = 0; !merged && i < 5; i++) {
        await w.sim.advance(5_000);
        merged = await w.bot.changeRequests.merge(PROJECT, cr!.iid, { sha: cr!.headSha }).catch(() => null);
      }
      expect(merged).toMatchObject({ state: 'merged' });
      expect(merged!.mergedAt).not.toBeNull();
      const version = await w.bot.repo.getFile(PROJECT, 'VERSION', 'main');
      expect(version?.content).toBe('1.1.0\n');
    });

    it('writes, lists and edits notes, and says which notes someone else edited', async () => {
      const issue = await w.bot.issues.create(PROJECT, {
        title: 'Release 1.1',
        description: 'tasks',
        labels: ['release'],
      });
      const on = { kind: 'issue' as const, iid: issue.iid };
      const mine = await w.bot.notes.create(PROJECT, on, 'first note');
      const theirs = await w.dev.notes.create(PROJECT, on, 'a human note');
      const notes = (await w.bot.notes.list(PROJECT, on)).filter((n) => !n.system);
      expect(notes.map((n) => [n.body, n.author])).toEqual([
        ['first note', 'release-bot'],
        ['a human note', 'dee'],
      ]);
      await w.sim.advance(1_000); // the forges stamp edits with their own clock
      const updated = await w.bot.notes.update(PROJECT, on, mine.id, 'first note, edited');
      expect(updated.body).toBe('first note, edited');
      const edits = await w.bot.notes.edits(PROJECT, on, await w.bot.notes.list(PROJECT, on));
      const editedIds = edits.map((e) => e.noteId);
      expect(editedIds).toContain(mine.id);
      expect(editedIds).not.toContain(theirs.id);
      expect(w.bot.links.noteUrl(issue.webUrl, mine.id).startsWith(issue.webUrl)).toBe(true);
    });

    it('finds issues by label and state, closes them; ensures a label idempotently', async () => {
      const open = await w.bot.issues.list(PROJECT, { state: 'opened', labels: ['release'] });
      expect(open.map((i) => i.title)).toEqual(['Release 1.1']);
      const closed = await w.bot.issues.update(PROJECT, open[0]!.iid, { state: 'close' });
      expect(closed.state).toBe('closed');
      expect(await w.bot.issues.list(PROJECT, { state: 'opened', labels: ['release'] })).toEqual([]);
      expect(await w.bot.issues.get(PROJECT, 9999)).toBeNull();
      const label = { name: 'workflow::staging', color: '#428BCA', description: 'on staging' };
      const once = await w.bot.labels.ensure(PROJECT, label);
      const twice = await w.bot.labels.ensure(PROJECT, label);
      expect(twice).toEqual(once);
      expect(once.name).toBe('workflow::staging');
    });

    it("counts a commit status another system posted among a branch head's checks", async () => {
      const head = (await w.bot.repo.getBranch(PROJECT, 'stable'))!.sha;
      w.sim.setStatus(kind, PROJECT, head, { context: 'copr-build', state: 'success' });
      const [newest] = await w.bot.ci.branchChecks(PROJECT, 'stable', 1);
      expect(newest!.commit.sha).toBe(head);
      expect(newest!.checks).toEqual([
        expect.objectContaining({ name: 'copr-build', kind: 'status', status: 'success' }),
      ]);
      expect(await w.bot.ci.commitChecks(PROJECT, head)).toEqual([
        expect.objectContaining({ name: 'copr-build', kind: 'status', status: 'success' }),
      ]);
    });

    it('records deployments and lists them per environment, newest first', async () => {
      const sha = (await w.bot.repo.getBranch(PROJECT, 'main'))!.sha;
      const a = await w.bot.deployments.create(PROJECT, {
        environment: 'gstg',
        ref: 'main',
        sha,
        version: '1.1.0',
      });
      await w.sim.advance(60_000);
      const b = await w.bot.deployments.create(PROJECT, {
        environment: 'gstg',
        ref: 'main',
        sha,
        version: '1.1.1',
      });
      await w.bot.deployments.create(PROJECT, { environment: 'gprd', ref: 'main', sha, version: '1.1.0' });
      const listed = await w.bot.deployments.list(PROJECT, { environment: 'gstg', sort: 'desc' });
      expect(listed.map((d) => d.id)).toEqual([b.id, a.id]);
      expect(listed.every((d) => d.environment === 'gstg' && d.sha === sha)).toBe(true);
      expect((await w.bot.deployments.get(PROJECT, a.id))?.id).toBe(a.id);
    });

    it('watches an environment with a cursor: one request when nothing moved, each change once', async () => {
      const sha = (await w.bot.repo.getBranch(PROJECT, 'main'))!.sha;
      // Finished deployments only: on GitHub an unfinished one costs a status read per poll.
      for (const ref of ['main', 'main']) {
        await w.bot.deployments.record(PROJECT, { environment: 'gstg-cny', ref, sha });
        await w.sim.advance(60_000);
      }
      const first = await w.bot.deployments.watch(PROJECT, { environment: 'gstg-cny', cursor: null });
      const ids = first.deployments.map((d) => d.id);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      expect(ids).toEqual([...ids].sort((a, b) => a - b)); // oldest first
      let since = w.sim.mark();
      const idle = await w.bot.deployments.watch(PROJECT, { environment: 'gstg-cny', cursor: first.cursor });
      expect(idle.deployments).toEqual([]);
      expect(w.sim.requests({ since })).toHaveLength(1);

      await w.sim.advance(60_000);
      const recorded = await w.bot.deployments.record(PROJECT, { environment: 'gstg-cny', ref: 'main', sha });
      expect(recorded).toMatchObject({ environment: 'gstg-cny', sha, status: 'success' });
      const after = await w.bot.deployments.watch(PROJECT, {
        environment: 'gstg-cny',
        cursor: idle.cursor,
      });
      expect(after.deployments.map((d) => [d.id, d.status])).toEqual([[recorded.id, 'success']]);
      since = w.sim.mark();
      const quiet = await w.bot.deployments.watch(PROJECT, { environment: 'gstg-cny', cursor: after.cursor });
      expect(quiet.deployments).toEqual([]);
      expect(w.sim.requests({ since })).toHaveLength(1);
      await expect(
        w.dry.deployments.record(PROJECT, { environment: 'gstg-cny', ref: 'main', sha }),
      ).rejects.toBeInstanceOf(DryRunWriteError);
    });

    it('in dry-run reads as usual and refuses every write before it leaves the process', async () => {
      const before = w.sim.requests().length;
      expect((await w.dry.repo.getBranch(PROJECT, 'main'))?.name).toBe('main');
      await expect(w.dry.repo.createBranch(PROJECT, 'release-bot/dry', main)).rejects.toBeInstanceOf(
        DryRunWriteError,
      );
      await expect(w.dry.issues.create(PROJECT, { title: 'nope', description: '' })).rejects.toBeInstanceOf(
        DryRunWriteError,
      );
      const writes = w.sim
        .requests()
        .slice(before)
        .filter((r) => r.method !== 'GET' && !r.path.includes('graphql'));
      expect(writes).toEqual([]);
      expect(await w.bot.repo.getBranch(PROJECT, 'release-bot/dry')).toBeNull();
    });
  });
}
