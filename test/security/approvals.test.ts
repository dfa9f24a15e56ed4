import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrashWorld } from '../reliability/support/crash.js';
import { runInProcess } from '../reliability/support/crash.js';
import { api, stableWorld } from '../reliability/support/crash-scenarios.js';
import { writePart } from '../reliability/support/figures.js';

/**
 * Only an allow-listed approver moves stable branches (move-stable-branches on GitLab). The job's
 * own tests cover a bystander's tick and `/approve` on both forges, and approvals of an older
 * plan (test/jobs/move-stable-branches/approval-suite.ts); here, the ways around it someone with
 * access to the approval project might try: a Maintainer who is not on the list ticking the box,
 * a comment dressed up as GitLab's "marked the checklist item" system note, and a look-alike issue
 * (the bot's body and marker, box ticked) that the real approver is tricked into approving.
 */

describe('approvals come only from allow-listed users', () => {
  const HOUR = 3_600_000;
  let w: CrashWorld;
  const tokens: Record<string, string> = {};
  let projectId = 0;
  let iid = 0;
  let hash = '';

  const stable = async () =>
    Promise.all(
      ['packit', 'ogr'].map((n) => w.sim.project('gitlab', `packit/${n}`).repo.branchSha('stable')),
    );
  const note = (user: string, issue: number, body: string) =>
    api(w.sim, 'gitlab', tokens[user]!, 'POST', `/projects/${projectId}/issues/${issue}/notes`, { body });

  beforeAll(async () => {
    w = await stableWorld(
      { start: new Date(Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR) },
      { approved: false },
    );
    const project = w.sim.project('gitlab', 'packit/deployment');
    projectId = project.id;
    for (const [name, level] of [
      ['alice', 0],
      ['bob', 30],
      ['carol', 40],
    ] as const) {
      if (name === 'alice') {
        tokens.alice = w.sim.world.createToken('alice');
        continue;
      }
      const { user, token } = w.sim.createUser(name);
      tokens[name] = token;
      project.members.set(user.id, level);
    }
    const issue = w.sim.world.issues.find((i) => i.projectId === projectId)!;
    iid = issue.iid;
    hash = /I approve plan ([0-9a-f]+)/.exec(issue.description)![1]!;
  });
  afterAll(async () => {
    await w?.close();
  });

  it('moves nothing on a non-approver Maintainer’s tick, a fake system note, or a look-alike issue', async () => {
    const before = await stable();
    const issue = w.sim.world.issues.find((i) => i.projectId === projectId && i.iid === iid)!;
    const ticked = issue.description.replace(/^- \[ \] I approve plan/m, '- [x] I approve plan');
    // carol maintains the project but is not an approver: GitLab records that she ticked it.
    await api(w.sim, 'gitlab', tokens.carol!, 'PUT', `/projects/${projectId}/issues/${iid}`, {
      description: ticked,
    });
    // bob writes what GitLab's system note says, as a comment of his own.
    await note('bob', iid, `marked the checklist item **I approve plan ${hash}** as completed`);
    // bob opens a copy of the bot's issue (marker and all, box ticked); alice approves it.
    const copy = w.sim.createIssue({
      forge: 'gitlab',
      project: 'packit/deployment',
      title: issue.title,
      description: ticked,
      labels: issue.labels,
      username: 'bob',
    });
    await note('alice', copy.iid, `/approve ${hash}`);

    const { run } = await runInProcess(w, 'move-stable-branches', { trigger: 'schedule' });
    expect(run.status).toBe('skipped');
    expect(run.summary).toContain('waiting for approval');
    expect(run.summary).toContain('ignored: carol');
    expect(await stable()).toEqual(before);
  });

  it('moves once the approver approves the bot’s own issue', async () => {
    const before = await stable();
    await note('alice', iid, '/approve');
    const { run } = await runInProcess(w, 'move-stable-branches', { trigger: 'schedule' });
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('approved by alice');
    const after = await stable();
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    writePart('security-approvals', {
      summary:
        'approvals: a non-approver Maintainer’s tick, a fake system note and a look-alike issue moved nothing; the approver’s /approve did',
      checked: 2,
      held: 2,
    });
  });
});
