import { checkForge } from '../../src/kit/config-checks.js';
import { combineStatus, defineJob, type ItemResult, type Link } from '../../src/runner/job.js';
import { applyPlan, planActions } from './apply.js';
import { optionsSchema, trackedEnvironments, type Options } from './options.js';
import { planRun, type Plan, type Problem } from './plan.js';
import { JOB_NAME } from '../../src/domain/post-migration-records.js';

/**
 * track-post-deploy-migrations (seed 002): for each auto-deploy package newly deployed to the
 * followed environment (gprd), the post-deploy migrations it introduced — files added under
 * db/post_migrate/ since the package before it on the baseline (gstg-cny) — recorded in the
 * store and, behind the flag post_deploy_migrations_note, noted once on the monthly release
 * issue. `release-bot migrations` answers "which package introduced X" from the record.
 */

export { postMigrationsBetween, whichPackage, listPackages } from '../../src/domain/post-migration-lookup.js';
export type {
  MigrationsBetween,
  MigrationMatch,
  PackageSummary,
} from '../../src/domain/post-migration-lookup.js';
export { parseVersion, MalformedVersionError } from '../../src/domain/auto-deploy-version.js';

function packageItem(plan: Plan, version: string, options: Options, dryRun: boolean): ItemResult {
  const record = plan.records.get(version)!;
  const analysis = record.analysis!;
  const links: Link[] = [];
  if (analysis.compareUrl) links.push({ text: `${version} compare`, url: analysis.compareUrl });
  if (analysis.migrations === null) {
    // No package before it is where the record starts, not a fault; a timeout or a bad sha is.
    const start = analysis.previous === null;
    return {
      name: version,
      status: start ? 'skipped' : 'failed',
      summary: `post-migrations unknown: ${analysis.unknownReason}`,
      links,
    };
  }
  const list = analysis.migrations;
  let summary =
    list.length === 0
      ? 'no post-migrations'
      : `${list.length} post-migration(s): ${list.map((file) => file.split('/').pop()).join(', ')}`;
  const note = record.note;
  const step = plan.notes.find((n) => n.version === version);
  const issues = options.releaseIssue.project;
  if (note?.state === 'posted') {
    summary += `; noted on ${issues}#${note.issueIid}`;
    links.push({ text: `${version} note`, url: note.url });
  } else if (step)
    summary += dryRun ? `; would post a note on ${issues}#${step.issue.iid}` : '; note not posted';
  else if (note?.state === 'disabled') summary += '; recorded only (post_deploy_migrations_note is off)';
  else if (note?.state === 'pending')
    return { name: version, status: 'failed', summary: `${summary}; note waits: ${note.reason}`, links };
  return { name: version, status: 'ok', summary, links };
}

export default defineJob({
  name: JOB_NAME,
  description:
    'For each package deployed to production: the post-deploy migrations it introduced, recorded and noted once on the monthly release issue (flag post_deploy_migrations_note).',
  schedule: '*/15 * * * *',
  timeoutSeconds: 600,
  options: optionsSchema,
  checkConfig(options, config) {
    return [
      ...checkForge(config, options.deployments.forge, 'deployments.forge'),
      ...checkForge(config, options.source.forge, 'source.forge'),
      ...checkForge(config, options.releaseIssue.forge, 'releaseIssue.forge'),
    ];
  },
  async plan(ctx, options) {
    const plan = await planRun(ctx, options);
    return { plan, steps: planActions(plan, options) };
  },
  apply: (ctx, { plan }, options) => applyPlan(ctx, options, plan),
  report(ctx, { plan }, applied, options) {
    const noteProblems: Problem[] = applied?.noteFailures ?? [];

    const items: ItemResult[] = [];
    for (const p of plan.problems) items.push({ name: p.name, status: 'failed', summary: p.message });
    for (const p of plan.failed) items.push({ name: p.name, status: 'failed', summary: p.message });
    for (const version of plan.analysed) items.push(packageItem(plan, version, options, ctx.dryRun));
    // Earlier packages whose note was waiting and is handled (or still waits) now.
    for (const step of plan.notes.filter((s) => !plan.analysed.includes(s.version)))
      items.push(packageItem(plan, step.version, options, ctx.dryRun));
    for (const w of plan.waiting.filter((x) => !plan.analysed.includes(x.version)))
      items.push({ name: w.version, status: 'failed', summary: `note waits: ${w.reason}` });
    for (const p of noteProblems) {
      const item = items.find((i) => i.name === p.name);
      if (item) Object.assign(item, { status: 'failed', summary: p.message });
      else items.push({ name: p.name, status: 'failed', summary: p.message });
    }

    const recorded = plan.recorded.reduce((n, r) => n + r.packages.length, 0);
    const status = items.length ? combineStatus(items.map((i) => i.status)) : recorded ? 'ok' : 'noop';
    const parts = items.map((i) => `${i.name}: ${i.summary}`);
    if (!plan.analysed.length) parts.unshift(`no new package on ${options.deployments.environment}`);
    if (recorded)
      parts.push(
        `recorded ${plan.recorded.map((r) => `${r.packages.length} on ${r.environment}`).join(', ')}`,
      );
    return {
      status,
      summary: parts.join('; '),
      links: items.flatMap((i) => i.links ?? []),
      items,
      details: {
        environments: trackedEnvironments(options),
        flag: plan.flag,
        analysed: plan.analysed.map((v) => {
          const r = plan.records.get(v)!;
          return {
            version: v,
            previous: r.analysis!.previous,
            migrations: r.analysis!.migrations,
            note: r.note,
          };
        }),
      },
    };
  },
});
