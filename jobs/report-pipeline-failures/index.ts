import { errorMessage } from '../../src/errors.js';
import { checkChannel, checkForge } from '../../src/kit/config-checks.js';
import {
  defineJob,
  combineStatus,
  type Action,
  type ItemResult,
  type Link,
  type Verdict,
} from '../../src/runner/job.js';
import { applyPlan, describePlan } from './apply.js';
import { optionsSchema } from './options.js';
import { createPlanner, INTERNAL_STEPS, planTarget, type TargetPlan } from './plan.js';
import { prune } from './prune.js';
import { keys } from './state.js';
import { watchTargets } from './watch.js';

/**
 * report-pipeline-failures (seed 001, "Why do pipeline failures occur?"): every ten minutes,
 * look at the pipelines that finished on the watched refs and the bot's own MRs since the last
 * look; retry a flake once; tell on-call once per failed pipeline what broke (flake, broken
 * default branch, regression) and what to do; say once when it recovers; keep the MR's workflow
 * label and one note per report; close a bot MR that went stale on a broken default branch once
 * that branch is green again, so update-component opens a fresh one.
 */

function linksOf(actions: Action[]): Link[] {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const a of actions)
    if (a.url && !seen.has(a.url) && (a.kind === 'notify' || a.kind === 'close-mr')) {
      seen.add(a.url);
      links.push({
        text: `${a.subject}: ${a.kind === 'close-mr' ? 'closed stale MR' : 'reported pipeline'}`,
        url: a.url,
      });
    }
  return links;
}

function itemFor(plan: TargetPlan, actions: Action[], dryRun: boolean): ItemResult {
  const acted = plan.steps.some((s) => !INTERNAL_STEPS.has(s.kind) && s.kind !== 'start-watching');
  const lines = [...plan.notes, ...plan.warnings.map((w) => `warning: ${w}`)];
  return {
    name: plan.target.subject,
    status: acted ? 'ok' : 'noop',
    summary:
      (lines.length ? lines.join('; ') : 'no finished pipeline since the last look') +
      (acted && dryRun ? ' — would act' : ''),
    links: actions.filter((a) => a.url).map((a) => ({ text: a.kind, url: a.url! })),
  };
}

export default defineJob({
  name: 'report-pipeline-failures',
  description:
    'Tell on-call once per failed pipeline what broke (flake, broken default branch, regression) and what to do; retry flakes once; say when it recovers.',
  schedule: '*/10 * * * *',
  timeoutSeconds: 300,
  options: optionsSchema,
  checkConfig(options, config) {
    const problems: string[] = [];
    if (options.mergeRequests.length === 0 && options.projects.length === 0)
      problems.push('mergeRequests, projects: list at least one MR project or project to watch');
    options.mergeRequests.forEach((t, i) => {
      problems.push(...checkForge(config, t.forge, `mergeRequests[${i}].forge`));
      problems.push(...checkChannel(config, t.slackChannel, `mergeRequests[${i}].slackChannel`));
    });
    options.projects.forEach((t, i) => {
      problems.push(...checkForge(config, t.forge, `projects[${i}].forge`));
      problems.push(...checkChannel(config, t.slackChannel, `projects[${i}].slackChannel`));
    });
    // Every failure must reach someone: a target without a channel needs the job's or the default one.
    const fallback = config.jobs['report-pipeline-failures']?.slackChannel ?? config.slack.defaultChannel;
    if (!fallback) {
      const orphan = (list: { slackChannel?: string }[], name: string) =>
        list.flatMap((t, i) =>
          t.slackChannel
            ? []
            : [`${name}[${i}].slackChannel: required (no job slackChannel and no slack.defaultChannel)`],
        );
      problems.push(
        ...orphan(options.mergeRequests, 'mergeRequests'),
        ...orphan(options.projects, 'projects'),
      );
    }
    return problems;
  },
  async plan(ctx, options) {
    const initialized = await ctx.state.get<{ at: string }>(keys.initialized);
    const since = initialized?.at ?? ctx.now().toISOString();
    // Staged, so written first when the run applies: a first run killed half-way still never
    // floods with history afterwards.
    if (!initialized) await ctx.state.set(keys.initialized, { at: since });
    const planner = createPlanner(ctx, !initialized, since);

    const { targets, errors } = await watchTargets(ctx, options);
    const planned: { subject: string; plan?: TargetPlan; error?: string }[] = [];
    for (const target of targets) {
      ctx.progress(`${target.subject}: looking at finished pipelines`);
      try {
        planned.push({ subject: target.subject, plan: await planTarget(planner, target) });
      } catch (error) {
        ctx.log.error({ target: target.subject, err: error }, `${target.subject} failed`);
        planned.push({ subject: target.subject, error: errorMessage(error) });
      }
    }
    const steps = planned.flatMap((t) =>
      t.plan ? t.plan.steps.filter((s) => !INTERNAL_STEPS.has(s.kind)) : [],
    );
    return { steps, firstRun: !initialized, targets: targets.length, errors, planned };
  },
  async apply(ctx, { planned }) {
    const actions: Action[] = [];
    const outcomes: { actions: Action[]; error?: string }[] = [];
    for (const { subject, plan } of planned) {
      const done: Action[] = [];
      outcomes.push({ actions: done });
      if (!plan) continue;
      try {
        await applyPlan(ctx, plan, done);
      } catch (error) {
        ctx.log.error({ target: subject, err: error }, `${subject} failed`);
        outcomes[outcomes.length - 1]!.error = errorMessage(error);
      }
      actions.push(...done);
    }
    await prune(ctx);
    return { actions, outcomes };
  },
  report(ctx, { planned, errors, firstRun, targets }, applied) {
    const items: ItemResult[] = errors.map((e) => ({
      name: e.subject,
      status: 'failed',
      summary: errorMessage(e.error),
    }));
    const plans: Record<string, unknown>[] = [];
    const verdicts: Verdict[] = [];
    for (const [i, { subject, plan, error }] of planned.entries()) {
      const outcome = applied?.outcomes[i];
      const failure = error ?? outcome?.error;
      if (!plan || failure !== undefined) {
        items.push({ name: subject, status: 'failed', summary: failure ?? '' });
        continue;
      }
      const done = outcome ? outcome.actions : describePlan(plan);
      for (const w of plan.warnings) ctx.log.warn({ target: subject }, w);
      items.push(itemFor(plan, done, !applied));
      if (plan.verdict) verdicts.push(plan.verdict);
      plans.push({
        target: subject,
        notes: plan.notes,
        steps: plan.steps.filter((s) => !INTERNAL_STEPS.has(s.kind)).map((s) => s.kind),
      });
    }
    const actions = applied ? applied.actions : planned.flatMap((t) => (t.plan ? describePlan(t.plan) : []));

    const status = items.length ? combineStatus(items.map((i) => i.status)) : 'noop';
    // A warning (e.g. a message a killed run may have posted) is news even when nothing was done.
    const busy = items.filter((i) => i.status !== 'noop' || i.summary.includes('warning:'));
    const summary = busy.length
      ? busy.map((i) => `${i.name}: ${i.status === 'failed' ? `failed: ${i.summary}` : i.summary}`).join('; ')
      : `${targets} ref(s) watched, nothing new`;
    return {
      status,
      summary,
      links: linksOf(actions),
      items,
      details: { firstRun, plans },
      verdicts,
    };
  },
});
