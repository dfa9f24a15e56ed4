import { suggest } from '../../src/config/issues.js';
import { ForgeError, UsageError, errorMessage } from '../../src/errors.js';
import type { Deployment } from '../../src/forges/types.js';
import { checkChannel, checkForge } from '../../src/kit/config-checks.js';
import { parseDuration } from '../../src/kit/duration.js';
import {
  combineStatus,
  defineJob,
  type Action,
  type ItemResult,
  type JobContext,
  type Link,
  type Verdict,
} from '../../src/runner/job.js';
import { deploymentVerdict } from './alert-verdict.js';
import { applyPlan } from './apply.js';
import { discover } from './discover.js';
import { recordedMigrations, type PostMigrationsSource } from './migrations.js';
import { optionsSchema, targetName, timingProblems, type Options, type Target } from './options.js';
import { describeStep, planRollbackCommand, planVerdict, type DeploymentPlan } from './plan.js';
import { keys, type PendingRecord } from './records.js';
import { describeRollback } from './rollback.js';
import { describeDeployment, subjectOf, type Subject } from './subject.js';
import { recordVerdict } from './verdict-record.js';
import { watch } from './verify.js';
import { realSleep, type Sleep, type WindowReport } from './window.js';

/**
 * verify-deployment (seed 004's "validate deployment", "rollback procedures" and
 * "post-deployment monitoring"): after each new successful deployment to a watched environment,
 * watch its health, Sentry and metrics gates over a window; a pass gets a short note, a failure
 * an alert with the evidence, a Sentry event and — with `rollback: auto`, when it is safe — a
 * rollback to the previous good deployment.
 *
 * The run's status says whether the bot did its job; the deployment's verdict is in the items,
 * the alerts and the details (a failed deploy that was alerted on is not a failed run).
 */

export interface VerifyDeploymentDeps {
  /** How the window waits between samples (tests move the simulator clock instead). */
  sleep?: Sleep;
  /** Where post-deploy migrations between two packages are looked up. */
  postMigrations?: PostMigrationsSource;
}

const DEFAULT_TIMEOUT_SECONDS = 1800;
/** Time a run needs besides the window: forge requests, Slack, the rollback. */
const MARGIN_MS = 120_000;

function matching(options: Options, environment: string): Target[] {
  return options.targets.filter((t) => targetName(t) === environment || t.environment === environment);
}

function selected(options: Options, args: Record<string, unknown>): Target[] {
  const environment = args.environment as string | undefined;
  if (!environment) return options.targets;
  const found = matching(options, environment);
  if (found.length === 0) {
    const names = options.targets.map(targetName);
    const hint = suggest(environment, names);
    throw new UsageError(
      `--environment ${environment}: no such target${hint ? ` (did you mean "${hint}"?)` : ''}; configured: ${names.join(', ')}`,
    );
  }
  return found;
}

function deploymentArg(args: Record<string, unknown>): number | undefined {
  if (args.deployment === undefined) return undefined;
  const id = Number(args.deployment);
  if (!Number.isInteger(id) || id <= 0)
    throw new UsageError(`--deployment ${String(args.deployment)}: not a deployment id`);
  return id;
}

interface Outcome {
  item: ItemResult;
  actions: Action[];
  links: Link[];
  details: Record<string, unknown>;
  verdict?: Verdict;
}

function reportDetails(report: WindowReport | undefined) {
  if (!report) return undefined;
  return {
    verdict: report.verdict,
    planned: report.planned,
    taken: report.taken,
    stoppedEarly: report.stoppedEarly,
    startedAt: report.startedAt,
    endedAt: report.endedAt,
    probes: report.probes.map((p) => ({
      gate: p.gate,
      name: p.name,
      verdict: p.verdict,
      reason: p.reason,
      tally: p.tally,
      evidence: p.evidence,
      samples: p.samples,
    })),
  };
}

export function createVerifyDeploymentJob(deps: VerifyDeploymentDeps = {}) {
  const sleep = deps.sleep ?? realSleep;
  const migrationsSource = deps.postMigrations ?? recordedMigrations;

  /** A deployment whose verdict (or rollback command) is planned: what apply performs. */
  interface Handled {
    name: string;
    target: Target;
    record: PendingRecord;
    subject: Subject;
    plan: DeploymentPlan;
    report?: WindowReport;
  }

  /** One line of the run: done already while planning (`outcome`), or a deployment to handle. */
  interface Entry {
    name: string;
    outcome?: Outcome;
    handled?: Handled;
  }

  interface Performed {
    actions: Action[];
    rollbackError?: string;
    /** The deployment could not be handled. */
    error?: string;
  }

  /** Watches the deployment (or takes the recorded verdict) and plans what to do about it. */
  async function prepare(
    ctx: JobContext,
    options: Options,
    target: Target,
    record: PendingRecord,
    mode: { manual: boolean; rollbackCommand: boolean },
  ): Promise<Handled> {
    const subject = subjectOf(target, record.deployment);
    const name = `${targetName(target)} #${record.deployment.id}`;
    const postMigrations = migrationsSource(ctx);
    let report: WindowReport | undefined;
    let plan: DeploymentPlan;
    if (mode.rollbackCommand) {
      plan = await planRollbackCommand({ ctx, options, target, subject, postMigrations });
    } else {
      let verdict = record.verdict;
      if (!verdict) {
        ({ verdict, report } = await watch({ ctx, options, target, subject, sleep }));
        // Staged: stored when the run applies, so a run killed after that never watches again.
        if (!mode.manual)
          await ctx.state.set(keys.pending(target, record.deployment.id), { ...record, verdict });
      }
      plan = await planVerdict({ ctx, options, target, subject, verdict, postMigrations });
    }
    return { name, target, record, subject, plan, ...(report ? { report } : {}) };
  }

  function plannedSteps({ name, plan }: Handled): Action[] {
    return plan.steps.map((step) => ({
      kind: step.kind,
      description: describeStep(plan, step),
      done: false,
      subject: name,
    }));
  }

  async function perform(ctx: JobContext, { name, target, record, plan }: Handled): Promise<Performed> {
    try {
      const applied = await applyPlan(ctx, plan);
      if (plan.verdict) await ctx.state.set(keys.verdict(target, record.deployment.id), plan.verdict);
      await recordVerdict(ctx, plan, applied.rollback);
      await ctx.state.delete(keys.pending(target, record.deployment.id));
      return { actions: applied.actions, rollbackError: applied.rollback?.error };
    } catch (error) {
      if (error instanceof UsageError || ctx.signal.aborted) throw error;
      ctx.log.error({ err: error, item: name }, `${name} failed`);
      return { actions: [], error: errorMessage(error) };
    }
  }

  /** What happened to a handled deployment (`performed` undefined: a dry run, what would happen). */
  function finish(handled: Handled, performed: Performed | undefined): Outcome {
    const { name, target, record, subject, plan, report } = handled;
    if (performed?.error !== undefined) return failedOutcome(name, performed.error);
    const actions = performed ? performed.actions : plannedSteps(handled);
    const rollbackError = performed?.rollbackError;
    const verdictText = plan.verdict
      ? plan.verdict.verdict === 'pass'
        ? 'passed'
        : plan.verdict.verdict === 'fail'
          ? `FAILED (${plan.verdict.failed.map((f) => `${f.gate} ${f.name}`).join(', ')})`
          : 'inconclusive'
      : 'rollback requested';
    const rollbackText = plan.rollback
      ? `; ${performed ? '' : 'would '}${describeRollback(target, record.deployment, plan.rollback)}${rollbackError ? ` — failed: ${rollbackError}` : ''}`
      : '';
    const links: Link[] = [{ text: `${name}`, url: record.deployment.webUrl }];
    for (const a of actions) if (a.url) links.push({ text: a.kind, url: a.url });
    return {
      verdict: deploymentVerdict({
        target,
        deployment: record.deployment,
        supersededBy: record.supersededBy,
        verdict: plan.verdict,
        rollback: rollbackText ? rollbackText.slice(2) : null,
      }),
      item: {
        name,
        status: rollbackError ? 'failed' : 'ok',
        summary: `${describeDeployment(record.deployment)} ${verdictText}${rollbackText}`,
        links,
      },
      actions,
      links,
      details: {
        target: targetName(target),
        deployment: {
          id: record.deployment.id,
          sha: record.deployment.sha,
          version: subject.version,
          release: subject.release,
          url: record.deployment.webUrl,
        },
        verdict: plan.verdict,
        window: reportDetails(report),
        rollback: plan.rollback
          ? {
              kind: plan.rollback.kind,
              description: describeRollback(target, record.deployment, plan.rollback),
            }
          : null,
        steps: plan.steps.map((s) => s.kind),
      },
    };
  }

  function failedOutcome(name: string, error: string): Outcome {
    return {
      item: { name, status: 'failed', summary: error },
      actions: [],
      links: [],
      details: { item: name, error },
    };
  }

  async function guarded(name: string, ctx: JobContext, work: () => Promise<Handled>): Promise<Entry> {
    try {
      return { name, handled: await work() };
    } catch (error) {
      if (error instanceof UsageError || ctx.signal.aborted) throw error;
      ctx.log.error({ err: error, item: name }, `${name} failed`);
      return { name, outcome: failedOutcome(name, errorMessage(error)) };
    }
  }

  async function manual(ctx: JobContext, options: Options, targets: Target[]): Promise<Entry[]> {
    const id = deploymentArg(ctx.args);
    const rollbackCommand = ctx.args.rollback === true;
    const outcomes: Entry[] = [];
    for (const target of targets) {
      const forge = ctx.forge(target.forge);
      let deployment: Deployment | null;
      if (id !== undefined) {
        deployment = await forge.deployments.get(target.project, id).catch((error: unknown) => {
          if (error instanceof ForgeError && error.status === 404) return null;
          throw error;
        });
        if (!deployment || deployment.environment !== target.environment)
          throw new UsageError(
            `--deployment ${id}: no deployment #${id} to ${target.environment} in ${target.project}`,
          );
        if (deployment.status !== 'success')
          throw new UsageError(
            `--deployment ${id}: deployment #${id} is ${deployment.status}, not a successful deployment`,
          );
      } else {
        const [latest] = await forge.deployments.list(target.project, {
          environment: target.environment,
          status: 'success',
          sort: 'desc',
          limit: 1,
        });
        deployment = latest ?? null;
      }
      if (!deployment) {
        outcomes.push({
          name: targetName(target),
          outcome: {
            item: {
              name: targetName(target),
              status: 'noop',
              summary: `no successful deployment to ${target.environment} yet`,
            },
            actions: [],
            links: [],
            details: { target: targetName(target) },
          },
        });
        continue;
      }
      const found = deployment;
      const record: PendingRecord = { deployment: found, discoveredAt: ctx.now().toISOString() };
      if (id !== undefined) {
        const [latest] = await forge.deployments.list(target.project, {
          environment: target.environment,
          status: 'success',
          sort: 'desc',
          limit: 1,
        });
        if (latest && latest.id !== found.id) record.supersededBy = latest.id;
      }
      outcomes.push(
        await guarded(`${targetName(target)} #${found.id}`, ctx, () =>
          prepare(ctx, options, target, record, { manual: true, rollbackCommand }),
        ),
      );
    }
    return outcomes;
  }

  async function poll(ctx: JobContext, options: Options): Promise<Entry[]> {
    const outcomes: Outcome[] = [];
    const work: Promise<Entry>[] = [];
    for (const target of options.targets) {
      const name = targetName(target);
      let found;
      try {
        found = await discover(ctx, options, target);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        ctx.log.error({ err: error, target: name }, `${name}: could not list deployments`);
        outcomes.push({
          item: { name, status: 'failed', summary: errorMessage(error) },
          actions: [],
          links: [],
          details: { target: name },
        });
        continue;
      }
      if (found.firstRun) {
        const newest = found.firstRun.newest;
        outcomes.push({
          item: {
            name,
            status: 'noop',
            summary: newest
              ? `first run: watching ${target.environment} from ${describeDeployment(newest)} on (earlier deployments are not verified)`
              : `first run: watching ${target.environment} (no deployment yet)`,
          },
          actions: [],
          links: [],
          details: { target: name, firstRun: newest?.id ?? null },
        });
        continue;
      }
      for (const d of found.superseded)
        outcomes.push({
          item: {
            name: `${name} #${d.id}`,
            status: 'skipped',
            summary: `${describeDeployment(d)} superseded by a newer deployment before it was verified`,
          },
          actions: [],
          links: [],
          details: { target: name, superseded: d.id },
        });
      if (found.records.length === 0 && found.superseded.length === 0)
        outcomes.push({
          item: { name, status: 'noop', summary: `no new deployment to ${target.environment}` },
          actions: [],
          links: [],
          details: { target: name },
        });
      for (const record of found.records)
        work.push(
          guarded(`${name} #${record.deployment.id}`, ctx, () =>
            prepare(ctx, options, target, record, { manual: false, rollbackCommand: false }),
          ),
        );
    }
    // Deployments to different environments are watched at the same time, each in its own window.
    const watched = await Promise.all(work);
    return [...outcomes.map((outcome) => ({ name: outcome.item.name, outcome })), ...watched];
  }

  return defineJob({
    name: 'verify-deployment',
    description:
      'After each deploy: health, Sentry and metrics gates over a window; a note or an alert; a safe rollback when allowed.',
    schedule: '* * * * *',
    timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
    options: optionsSchema,
    cliOptions: [
      {
        flags: '--environment <name>',
        description: 'verify the latest successful deployment to this target now',
      },
      { flags: '--deployment <id>', description: 'verify this deployment instead (needs --environment)' },
      {
        flags: '--rollback',
        description:
          'roll the deployment back to the previous good one now, with the same safety rules (needs --environment and --deployment)',
      },
    ],
    checkConfig(options, config) {
      const timeout = config.jobs['verify-deployment']?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      const problems = timingProblems(options);
      options.targets.forEach((t, i) => {
        problems.push(
          ...checkForge(config, t.forge, `targets[${i}].forge`),
          ...checkChannel(config, t.slackChannel, `targets[${i}].slackChannel`),
        );
        const windowMs = parseDuration(t.window ?? options.window);
        if (windowMs !== undefined && windowMs + MARGIN_MS > timeout * 1000)
          problems.push(
            `targets[${i}].window: ${t.window ?? options.window} does not fit in the job's timeoutSeconds (${timeout}) with 2 minutes to spare; raise timeoutSeconds`,
          );
      });
      return problems;
    },
    checkArgs(args, options) {
      const id = deploymentArg(args);
      if (id !== undefined && !args.environment)
        throw new UsageError('--deployment needs --environment <name>');
      if (args.rollback === true && id === undefined)
        throw new UsageError(
          '--rollback needs --environment <name> and --deployment <id> (the deployment to roll back)',
        );
      const targets = selected(options, args);
      if (id !== undefined && targets.length !== 1)
        throw new UsageError(
          `--environment ${String(args.environment)} matches ${targets.length} targets; use a target name: ${targets.map(targetName).join(', ')}`,
        );
    },
    async plan(ctx, options) {
      const entries = ctx.args.environment
        ? await manual(ctx, options, selected(options, ctx.args))
        : await poll(ctx, options);
      return { entries, steps: entries.flatMap((e) => (e.handled ? plannedSteps(e.handled) : [])) };
    },
    async apply(ctx, { entries }) {
      // Each deployment's plan is applied on its own: one failing never stops the others.
      const performed = await Promise.all(
        entries.map((e) => (e.handled ? perform(ctx, e.handled) : Promise.resolve(undefined))),
      );
      return { performed, actions: performed.flatMap((p) => p?.actions ?? []) };
    },
    report(_ctx, { entries }, applied) {
      const outcomes = entries.map(
        (e, i) => e.outcome ?? finish(e.handled!, applied ? applied.performed[i] : undefined),
      );
      const items = outcomes.map((o) => o.item);
      const status = combineStatus(items.map((i) => i.status));
      const summary = items
        .map((i) => (i.status === 'failed' ? `${i.name}: failed: ${i.summary}` : i.summary))
        .join('; ');
      return {
        status,
        summary: summary || 'no targets',
        links: outcomes.flatMap((o) => o.links),
        items,
        details: { deployments: outcomes.map((o) => o.details) },
        verdicts: outcomes.flatMap((o) => (o.verdict ? [o.verdict] : [])),
      };
    },
  });
}

export default createVerifyDeploymentJob();
