import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteMarker } from '../../jobs/move-stable-branches/report.js';
import type { SimForge } from '../../packages/forge-sandbox/src/core/model.js';
import { writePart } from '../reliability/support/figures.js';
import { SCENARIO_TIMEOUT, stableWorld, type StableWorld } from '../jobs/move-stable-branches/world.js';

/**
 * Approvals count only from an allow-listed approver's own words as written (issue 27): a
 * `/approve` on its own line, outside quotes, code blocks and HTML comments, in a comment nobody
 * else edited. The attack from the issue: someone allowed to edit comments (GitHub: triage;
 * GitLab: a Maintainer) edits the approver's comment into `/approve`. Also: a look-alike
 * approval issue and a look-alike report note, written by a human with the bot's markers, are
 * not adopted. The bot says on the issue why an approval did not count.
 */

const HOUR = 3_600_000;

export function approvalWordsSuite(forge: SimForge): void {
  describe(`approvals are the approver's own words on ${forge}`, { timeout: SCENARIO_TIMEOUT }, () => {
    let w: StableWorld;
    let mallory = '';
    let iid = 0;
    let hash = '';
    const cases = { checked: 0, held: 0 };

    const deployment = () => w.sim.project(forge, 'packit/deployment');
    const stables = () => Promise.all([w.stable('packit'), w.stable('ogr')]);
    const lastNote = () => w.notes(iid).at(-1)!;
    const botSaid = () =>
      w
        .notes(iid)
        .filter((n) => n.authorId === w.sim.world.userByName('release-bot')!.id)
        .map((n) => n.body);

    /** Edit a comment through the forge API as `token`'s user. */
    async function edit(token: string, noteId: number, body: string): Promise<void> {
      const p = deployment();
      const [url, method] =
        forge === 'gitlab'
          ? [`${w.sim.gitlab.url}/api/v4/projects/${p.id}/issues/${iid}/notes/${noteId}`, 'PUT']
          : [`${w.sim.github.apiUrl}/repos/${p.path}/issues/comments/${noteId}`, 'PATCH'];
      const auth: Record<string, string> =
        forge === 'gitlab' ? { 'private-token': token } : { authorization: `token ${token}` };
      const response = await fetch(url, {
        method,
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ body }),
      });
      expect(response.status, await response.text()).toBe(200);
    }

    /** A scheduled run that must move nothing and still wait for approval. */
    async function expectNothingMoves(): Promise<string> {
      const before = await stables();
      const { run } = await w.scheduled();
      cases.checked++;
      expect(await stables()).toEqual(before);
      expect(run.status).toBe('skipped');
      expect(run.summary).toMatch(/waiting for approval|approval void, asked again/);
      cases.held++;
      return run.summary;
    }

    beforeAll(async () => {
      w = await stableWorld(forge, { sentry: false, repos: ['packit', 'ogr'] });
      const { user, token } = w.sim.createUser('mallory');
      mallory = token;
      // GitHub lets triage edit anyone's comment; GitLab lets a Maintainer edit anyone's note.
      deployment().members.set(user.id, forge === 'github' ? 20 : 40);
      await w.push('packit', 'Add packit feature');
      await w.stage('success');
      await w.sim.advance(HOUR);
      await w.scheduled();
      const issue = w.approvalIssues()[0]!;
      iid = issue.iid;
      hash = /plan `?([0-9a-f]{12})/.exec(issue.description)![1]!;
    }, SCENARIO_TIMEOUT);
    afterAll(() => w?.close(), SCENARIO_TIMEOUT);

    it("moves nothing when someone else edits the approver's comment into /approve, and says why", async () => {
      await w.comment('alice', iid, 'Looks good, waiting for the e2e run.');
      const comment = lastNote();
      await w.sim.advance(60_000);
      await edit(mallory, comment.id, '/approve');
      const summary = await expectNothingMoves();
      expect(summary).toContain('alice');
      const said = botSaid().find((b) => b.includes('edited'))!;
      expect(said).toContain('`alice`');
      expect(said).toContain(
        forge === 'github' ? '@\u200bmallory edited: not counted' : 'does not say by whom',
      );
    });

    it('moves nothing on /approve quoted, in a code block, indented or in an HTML comment', async () => {
      await w.comment('alice', iid, '> /approve\n\nWho wrote this?');
      await w.comment('alice', iid, 'To approve, comment:\n```\n/approve\n```');
      await w.comment('alice', iid, 'To approve, comment:\n\n    /approve');
      await w.comment('alice', iid, '~~~md\n/approve\n~~~');
      await w.comment('alice', iid, '<!--\n/approve\n-->Not yet.');
      await expectNothingMoves();
    });

    it('adopts no look-alike approval issue nor a look-alike report note written by a human', async () => {
      const issue = w.sim.world.issues.find((i) => i.projectId === deployment().id && i.iid === iid)!;
      // bob copies the bot's issue (marker and all); alice is tricked into approving the copy
      const copy = w.sim.createIssue({
        forge,
        project: 'packit/deployment',
        title: issue.title,
        description: issue.description,
        labels: issue.labels,
        username: 'bob',
      });
      const p = deployment();
      const url =
        forge === 'gitlab'
          ? `${w.sim.gitlab.url}/api/v4/projects/${p.id}/issues/${copy.iid}/notes`
          : `${w.sim.github.apiUrl}/repos/${p.path}/issues/${copy.iid}/comments`;
      const auth: Record<string, string> =
        forge === 'gitlab'
          ? { 'private-token': w.tokens.alice }
          : { authorization: `token ${w.tokens.alice}` };
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ body: '/approve' }),
      });
      expect(response.ok).toBe(true);
      // bob writes the bot's "report posted" marker on the real issue, hoping it stays silent later
      await w.comment('bob', iid, `Done already.\n${noteMarker({ type: 'report', hash })}`);
      await expectNothingMoves();
      expect(
        w
          .approvalIssues()
          .filter((i) => i.state === 'opened')
          .map((i) => i.iid),
      ).toContain(iid);
    });

    it('counts no approval of an older plan after someone rewrote the plan hash in the issue', async () => {
      // alice approves the plan as it is; then main moves, so the plan changes
      await w.comment('alice', iid, '/approve');
      await w.push('packit', 'Add another packit feature');
      const { run: dry } = await w.scheduled({ dryRun: true });
      const next = /\(plan ([0-9a-f]{12})\)/.exec(dry.summary)![1]!;
      expect(next).not.toBe(hash);
      // bob rewrites the bot's marker (and box) in the description to the new plan's hash
      const p = deployment();
      const issue = w.sim.world.issues.find((i) => i.projectId === p.id && i.iid === iid)!;
      const description = issue.description.split(hash).join(next);
      const [url, method, field] =
        forge === 'gitlab'
          ? [`${w.sim.gitlab.url}/api/v4/projects/${p.id}/issues/${iid}`, 'PUT', 'description']
          : [`${w.sim.github.apiUrl}/repos/${p.path}/issues/${iid}`, 'PATCH', 'body'];
      const auth: Record<string, string> =
        forge === 'gitlab' ? { 'private-token': w.tokens.bob } : { authorization: `token ${w.tokens.bob}` };
      const response = await fetch(url, {
        method,
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ [field]: description }),
      });
      expect(response.ok, await response.text()).toBe(true);
      const summary = await expectNothingMoves();
      expect(summary).toContain('approval void');
      hash = next;
    });

    it(
      forge === 'github'
        ? "counts the approver's own edit into /approve, then moves and reports on the issue"
        : "voids an edited /approve (GitLab's API does not name the editor), then moves on a fresh one",
      async () => {
        await w.comment('alice', iid, 'One moment.');
        const comment = lastNote();
        await w.sim.advance(60_000);
        await edit(w.tokens.alice, comment.id, '/approve');
        if (forge === 'gitlab') {
          await expectNothingMoves();
          await w.comment('alice', iid, '/approve');
        }
        const before = await stables();
        const { run } = await w.scheduled();
        cases.checked++;
        expect(run.status).toBe('ok');
        expect(run.summary).toContain('approved by alice');
        const after = await stables();
        expect(after[0]).not.toBe(before[0]);
        // bob's look-alike report note did not keep the bot from reporting
        expect(botSaid().some((b) => b.includes('✅ Moved'))).toBe(true);
        cases.held++;
        writePart(`security-approval-words-${forge}`, {
          summary: `approvals (${forge}): ${cases.held}/${cases.checked} checks held — an approver's comment edited into /approve by someone else, /approve quoted or in code or HTML comments, a look-alike issue and report note and a rewritten plan hash moved nothing; ${forge === 'github' ? "the approver's own edit counted" : 'an edited /approve was voided (editor unknown) until written anew'}`,
          checked: cases.checked,
          held: cases.held,
        });
      },
    );
  });
}
