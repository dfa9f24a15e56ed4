import { UsageError, errorMessage } from '../../src/errors.js';
import { suggest } from '../../src/config/issues.js';
import { checkChannel, checkForge } from '../../src/kit/config-checks.js';
import {
  combineStatus,
  defineJob,
  type Action,
  type ItemResult,
  type JobContext,
  type Link,
} from '../../src/runner/job.js';
import type { PendingAction } from '../../src/http/status/pending.js';
import { parseDuration } from '../../src/kit/duration.js';
import { applyPlan, describeStep } from './apply.js';
import { optionsSchema, type Component, type Options } from './options.js';
import { planComponent, type ComponentPlan } from './plan.js';
import { checkHold } from './hold.js';

/**
 * update-component (seed 001, the Gitaly flow generalised): every hour, for each component,
 * find the newest green commit of its source branch and make the consuming repo's version file
 * point to it through one merge request that merges itself when its pipeline passes.
 */

function selected(options: Options, args: Record<string, unknown>): Component[] {
  const name = args.component as string | undefined;
  if (!name) return options.components;
  const found = options.components.find((c) => c.name === name);
  if (!found) {
    const names = options.components.map((c) => c.name);
    const hint = suggest(name, names);
    throw new UsageError(
      `--component ${name}: no such component${hint ? ` (did you mean "${hint}"?)` : ''}; configured: ${names.join(', ')}`,
    );
  }
  return [found];
}

function itemFor(plan: ComponentPlan, actions: Action[], dryRun: boolean): ItemResult {
  const mrAction = actions.find((a) => a.kind === 'open-mr' || a.kind === 'update-mr');
  const links: Link[] = [];
  const mrUrl = mrAction?.url ?? plan.mr?.webUrl;
  if (mrUrl) links.push({ text: `${plan.component.name} MR`, url: mrUrl });
  if (plan.compareUrl) links.push({ text: `${plan.component.name} changes`, url: plan.compareUrl });
  const changing = actions.some((a) => a.kind !== 'warn-stale' && a.kind !== 'report-foreign');
  const warnings = plan.warnings.length ? ` (warning: ${plan.warnings.join('; ')})` : '';
  return {
    name: plan.component.name,
    status: changing ? 'ok' : 'noop',
    summary: `${plan.reason}${changing && dryRun ? ' — would update' : ''}${warnings}`,
    links,
  };
}

interface PlannedComponent {
  component: Component;
  plan?: ComponentPlan;
  /** The hold change to store once the plan is applied (hold.ts). */
  holdChange?: (() => Promise<void>) | null;
  /** Why it could not be planned. */
  error?: string;
}

async function planOne(ctx: JobContext, component: Component): Promise<PlannedComponent> {
  ctx.progress(`${component.name}: looking for the latest green commit of ${component.source.project}`);
  try {
    const pinned = ctx.args.sha as string | undefined;
    const { plan, commit: holdChange } = await checkHold(
      ctx,
      component,
      await planComponent(ctx, component, pinned),
      pinned !== undefined,
    );
    return { component, plan, holdChange };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    ctx.log.error({ component: component.name, err: error }, `${component.name} failed`);
    return { component, error: errorMessage(error) };
  }
}

function plannedSteps(plan: ComponentPlan): Action[] {
  return plan.steps.map((step) => ({
    kind: step.kind,
    description: describeStep(plan, step),
    done: false,
    subject: plan.component.name,
  }));
}

async function applyOne(
  ctx: JobContext,
  { component, plan, holdChange }: PlannedComponent,
): Promise<{ actions: Action[]; error?: string }> {
  if (!plan) return { actions: [] };
  try {
    const actions = await applyPlan(ctx, plan);
    if (holdChange) await holdChange();
    return { actions };
  } catch (error) {
    ctx.log.error({ component: component.name, err: error }, `${component.name} failed`);
    return { actions: [], error: errorMessage(error) };
  }
}

function reportOne(
  ctx: JobContext,
  { component, plan, error }: PlannedComponent,
  applied: { actions: Action[]; error?: string } | undefined,
): {
  item: ItemResult;
  plan?: Record<string, unknown>;
  pending?: PendingAction[];
} {
  const failure = error ?? applied?.error;
  if (!plan || failure !== undefined)
    return { item: { name: component.name, status: 'failed', summary: failure ?? '' } };
  const actions = applied ? applied.actions : plannedSteps(plan);
  for (const w of plan.warnings) ctx.log.warn({ component: component.name }, w);
  const stale =
    plan.mr && ctx.now().getTime() - Date.parse(plan.mr.createdAt) > parseDuration(component.staleAfter)!;
  return {
    pending: stale
      ? [
          {
            kind: 'stale-mr',
            title: `${component.name}: MR !${plan.mr!.iid} has not merged`,
            url: plan.mr!.webUrl,
            since: plan.mr!.createdAt,
          },
        ]
      : [],
    item: itemFor(plan, actions, !applied),
    plan: {
      component: component.name,
      decision: plan.decision,
      reason: plan.reason,
      from: plan.from,
      to: plan.to,
      mr: plan.mr ? { iid: plan.mr.iid, url: plan.mr.webUrl } : null,
      steps: plan.steps.map((s) => s.kind),
    },
  };
}

export default defineJob({
  name: 'update-component',
  description:
    'Latest green commit of each component → one version-bump MR on the consuming repo, auto-merged.',
  // Hourly, but not at :00, where every */5, */10, */15 and */30 schedule meets: a large fleet's
  // burst there can use a forge's whole per-minute limit (GitLab.com: 2,000; bench/fleet.ts).
  schedule: '7 * * * *',
  timeoutSeconds: 900,
  options: optionsSchema,
  cliOptions: [
    { flags: '--component <name>', description: 'only this component' },
    {
      flags: '--sha <sha>',
      description:
        'pin this commit of the source branch instead of the latest green (needs --component when several are configured)',
    },
  ],
  checkConfig(options, config) {
    return options.components.flatMap((c, i) => [
      ...checkForge(config, c.source.forge, `components[${i}].source.forge`),
      ...checkForge(config, c.target.forge, `components[${i}].target.forge`),
      ...checkChannel(config, c.slackChannel, `components[${i}].slackChannel`),
    ]);
  },
  checkArgs(args, options) {
    const components = selected(options, args);
    if (args.sha !== undefined) {
      if (components.length !== 1)
        throw new UsageError('--sha needs --component <name>: several components are configured');
      if (!/^[0-9a-f]{7,40}$/i.test(String(args.sha)))
        throw new UsageError(`--sha ${String(args.sha)}: not a commit sha (7 to 40 hex digits)`);
    }
  },
  async plan(ctx, options) {
    const components = selected(options, ctx.args);
    // Components are planned (and applied) concurrently; each forge's request limiter bounds what
    // is in flight, so wall time approaches the critical path instead of the sum of every
    // component's requests.
    const planned = await Promise.all(components.map((component) => planOne(ctx, component)));
    return { planned, steps: planned.flatMap((p) => (p.plan ? plannedSteps(p.plan) : [])) };
  },
  async apply(ctx, { planned }) {
    const outcomes = await Promise.all(planned.map((p) => applyOne(ctx, p)));
    return { outcomes, actions: outcomes.flatMap((o) => o.actions) };
  },
  report(ctx, { planned }, applied) {
    const outcomes = planned.map((p, i) => reportOne(ctx, p, applied?.outcomes[i]));
    const items = outcomes.map((o) => o.item);
    const links = items.flatMap((i) => i.links ?? []);
    const plans = outcomes.flatMap((o) => (o.plan ? [o.plan] : []));
    const status = combineStatus(items.map((i) => i.status));
    const summary = items
      .map((i) => `${i.name}: ${i.status === 'failed' ? `failed: ${i.summary}` : i.summary}`)
      .join('; ');
    // What waits for a human (the status page lists it): MRs that stay open past staleAfter.
    const pending = outcomes.flatMap((o) => o.pending ?? []);
    return { status, summary, links, items, details: { plans, pending } };
  },
});
