import { ForgeError, UsageError } from '../../src/errors.js';
import type { ChangeRequest, CompareResult, Forge } from '../../src/forges/types.js';
import { parseDuration } from '../../src/kit/duration.js';
import { readMarker } from '../../src/kit/marker.js';
import { extract, render } from '../../src/kit/template.js';
import type { JobContext } from '../../src/runner/job.js';
import { defaultBranch } from './branches.js';
import { commitMessage, description, MARKER_KIND, shortSha, title, type BumpMarker } from './description.js';
import { findLatestGreen, type GreenCommit } from './latest-green.js';
import { botBranch, type Component } from './options.js';
import { alreadyWarned } from './stale.js';
import { describeForeign, foreignBump, type ForeignBump } from './provenance.js';

/**
 * Reads the forges and decides what to do for one component. Pure decisions over what was
 * read: the same plan is printed in dry-run and performed otherwise (apply.ts).
 */

export type Step =
  | {
      kind: 'commit-version';
      branch: string;
      startFrom: string;
      force: boolean;
      content: string;
      message: string;
    }
  | { kind: 'open-mr'; title: string; description: string; targetBranch: string }
  | { kind: 'update-mr'; iid: number; title: string; description: string }
  | { kind: 'approve'; iid: number | null }
  | { kind: 'auto-merge'; iid: number | null }
  | { kind: 'warn-stale'; mr: ChangeRequest }
  | { kind: 'report-foreign'; foreign: ForeignBump };

export interface ComponentPlan {
  component: Component;
  /** `update`: steps change the target; `noop`: nothing to change (there may still be a stale warning). */
  decision: 'update' | 'noop';
  reason: string;
  from: string | null;
  to: string | null;
  mr: ChangeRequest | null;
  targetBranch: string;
  steps: Step[];
  compareUrl: string | null;
  warnings: string[];
}

/**
 * The plan for a bump that is not the bot's own: say so (once) and touch nothing. Here rather than in
 * provenance.ts, which would otherwise need this file's types (an import circle).
 */
function leaveForeign(plan: ComponentPlan, foreign: ForeignBump): ComponentPlan {
  plan.decision = 'noop';
  plan.reason = describeForeign(foreign);
  plan.steps = foreign.reported && !foreign.disarm ? [] : [{ kind: 'report-foreign', foreign }];
  return plan;
}

function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length >= 7 && y.length >= 7 && (x.startsWith(y) || y.startsWith(x));
}

async function pinned(
  source: Forge,
  component: Component,
  branch: string,
  sha: string,
): Promise<GreenCommit> {
  if (!/^[0-9a-f]{7,40}$/i.test(sha))
    throw new UsageError(`--sha ${sha}: not a commit sha (7 to 40 hex digits)`);
  const commit = await source.repo.getCommit(component.source.project, sha);
  if (!commit) throw new UsageError(`--sha ${sha}: no such commit in ${component.source.project}`);
  const onBranch = await source.repo.compare(component.source.project, commit.sha, branch);
  if (onBranch.behindBy > 0)
    throw new UsageError(
      `--sha ${sha}: commit ${commit.shortSha} is not on ${component.source.project}@${branch}`,
    );
  return { sha: commit.sha, evidence: 'pinned with --sha', webUrl: commit.webUrl };
}

async function compareVersions(
  source: Forge,
  component: Component,
  from: string,
  to: string,
): Promise<CompareResult | 'unknown'> {
  try {
    return await source.repo.compare(component.source.project, from, to);
  } catch (error) {
    if (error instanceof ForgeError && (error.status === 404 || error.status === 400)) return 'unknown';
    throw error;
  }
}

export async function planComponent(
  ctx: JobContext,
  component: Component,
  pinnedSha?: string,
): Promise<ComponentPlan> {
  const source = ctx.forge(component.source.forge);
  const target = ctx.forge(component.target.forge);
  const branch = botBranch(component);
  const sourceBranch =
    component.source.branch ?? (await defaultBranch(ctx, source, component.source.project));
  const targetBranch =
    component.target.branch ?? (await defaultBranch(ctx, target, component.target.project));
  const plan: ComponentPlan = {
    component,
    decision: 'noop',
    reason: '',
    from: null,
    to: null,
    mr: null,
    targetBranch,
    steps: [],
    compareUrl: null,
    warnings: [],
  };

  let green: GreenCommit;
  if (pinnedSha) green = await pinned(source, component, sourceBranch, pinnedSha);
  else {
    const search = await findLatestGreen(source, component, sourceBranch);
    if (!search.green) {
      plan.reason = search.reason;
      return plan;
    }
    green = search.green;
  }
  plan.to = green.sha;

  const file = await target.repo.getFile(
    component.target.project,
    component.target.versionFile,
    targetBranch,
  );
  if (!file)
    throw new Error(
      `${component.target.versionFile} not found on ${component.target.project}@${targetBranch}`,
    );
  const current = extract(component.target.format, file.content, 'sha');
  if (!current)
    throw new Error(
      `${component.target.versionFile} on ${component.target.project}@${targetBranch} does not match the format ${JSON.stringify(component.target.format)}`,
    );
  plan.from = current;

  const [mr] = await target.changeRequests.list(component.target.project, {
    sourceBranch: branch,
    state: 'opened',
  });
  plan.mr = mr ?? null;
  const staleMs = parseDuration(component.staleAfter)!;
  if (
    mr &&
    ctx.now().getTime() - Date.parse(mr.createdAt) > staleMs &&
    !(await alreadyWarned(ctx, component, mr))
  )
    plan.steps.push({ kind: 'warn-stale', mr });

  if (sameCommit(current, green.sha)) {
    plan.reason = `up to date at ${shortSha(green.sha)} (${green.evidence})`;
    if (mr && readMarker<BumpMarker>(mr.description, MARKER_KIND)?.sha !== green.sha)
      plan.warnings.push(
        `open MR !${mr.iid} is obsolete: ${component.target.versionFile} already holds ${shortSha(green.sha)}`,
      );
    return plan;
  }

  const compare = await compareVersions(source, component, current, green.sha);
  if (compare === 'unknown') {
    throw new Error(
      `the current version ${current} in ${component.target.versionFile} is not a commit of ${component.source.project}; fix the file or pin a commit with --sha`,
    );
  }
  plan.compareUrl = compare.webUrl;
  if (compare.behindBy > 0) {
    plan.reason =
      compare.commits.length === 0
        ? `${shortSha(green.sha)} is older than the current ${shortSha(current)}: never downgrading`
        : `${shortSha(green.sha)} does not descend from the current ${shortSha(current)} (history diverged): not moving`;
    plan.warnings.push(plan.reason);
    return plan;
  }

  plan.decision = 'update';
  plan.reason = `${shortSha(current)} → ${shortSha(green.sha)} (${compare.commits.length} commit${compare.commits.length === 1 ? '' : 's'}, ${green.evidence})`;
  const content = render(component.target.format, { sha: green.sha });
  const wantedTitle = title(component, green.sha);
  const wantedDescription = description({
    component,
    from: current,
    to: green.sha,
    evidence: green.evidence,
    compare,
    sourceWebUrl: source.webUrl,
  });
  const commitStep = (force: boolean): Step => ({
    kind: 'commit-version',
    branch,
    startFrom: targetBranch,
    force,
    content,
    message: commitMessage(component, green.sha),
  });

  if (mr) {
    // Provenance: only an MR the bot provably wrote is updated, approved or merged.
    const foreign = await foreignBump(ctx, component, { mr, branch, head: mr.headSha, targetBranch });
    if (foreign) return leaveForeign(plan, foreign);
    const onBranch = await target.repo.getFile(
      component.target.project,
      component.target.versionFile,
      branch,
    );
    const branchSha = onBranch ? extract(component.target.format, onBranch.content, 'sha') : undefined;
    // Lists may answer a stale or unknown mergeability (GitLab checks it asynchronously, after a
    // single read); ask once so a conflicted MR is refreshed on this run or the next.
    const mergeable =
      mr.mergeable ?? (await target.changeRequests.get(component.target.project, mr.iid))?.mergeable;
    const needsCommit = !branchSha || !sameCommit(branchSha, green.sha) || mergeable === false;
    if (needsCommit) plan.steps.push(commitStep(true));
    const marker = readMarker<BumpMarker>(mr.description, MARKER_KIND);
    if (needsCommit || marker?.sha !== green.sha || mr.title !== wantedTitle)
      plan.steps.push({ kind: 'update-mr', iid: mr.iid, title: wantedTitle, description: wantedDescription });
    if (component.approverToken && needsCommit) plan.steps.push({ kind: 'approve', iid: mr.iid });
    if (component.autoMerge && (needsCommit || !mr.autoMerge))
      plan.steps.push({ kind: 'auto-merge', iid: mr.iid });
    if (!needsCommit && plan.steps.every((s) => s.kind === 'warn-stale' || s.kind === 'auto-merge')) {
      plan.reason = `MR !${mr.iid} is already at ${shortSha(green.sha)}`;
      if (plan.steps.every((s) => s.kind === 'warn-stale')) plan.decision = 'noop';
    }
    return plan;
  }

  // No open MR. A branch left by an earlier run (killed before opening the MR, or an MR a human
  // closed) is reused when it already holds the right commit, else reset.
  const existing = await target.repo.getBranch(component.target.project, branch);
  let reuse = false;
  if (existing) {
    // A branch of that name that holds anything but the bot's one commit is not reset silently.
    const foreign = await foreignBump(ctx, component, {
      mr: null,
      branch,
      head: existing.sha,
      targetBranch,
      branchUrl: existing.webUrl,
    });
    if (foreign) return leaveForeign(plan, foreign);
    const onBranch = await target.repo.getFile(
      component.target.project,
      component.target.versionFile,
      branch,
    );
    const branchSha = onBranch ? extract(component.target.format, onBranch.content, 'sha') : undefined;
    reuse = Boolean(branchSha && sameCommit(branchSha, green.sha));
  }
  if (!reuse) plan.steps.push(commitStep(Boolean(existing)));
  plan.steps.push({ kind: 'open-mr', title: wantedTitle, description: wantedDescription, targetBranch });
  if (component.approverToken) plan.steps.push({ kind: 'approve', iid: null });
  if (component.autoMerge) plan.steps.push({ kind: 'auto-merge', iid: null });
  return plan;
}
