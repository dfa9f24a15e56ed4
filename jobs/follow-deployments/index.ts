import { checkChannel, checkForge } from '../../src/kit/config-checks.js';
import { combineStatus, defineJob, type ItemResult } from '../../src/runner/job.js';
import { FOLLOW_JOB } from '../../src/domain/bump-deployments.js';
import { applyPlan } from './apply.js';
import { optionsSchema } from './options.js';
import { planRun } from './plan.js';

/**
 * follow-deployments: each merged bump MR of update-component followed through the consuming
 * project's environments, in order. Per environment reached: the MR's workflow label moves
 * (the scoped label replaces the previous one), one note with the deployment link, one step of
 * the bump's Slack conversation (bot token: a reply in the thread of one message per bump, which
 * is updated to where the bump stands; webhooks: a message of its own), and optionally a
 * deployment recorded on the component's own project. A failed deployment that carried it and a
 * rollback past it are said too, in the same conversation. `release-bot trace` answers
 * from the records (src/domain/bump-trace.ts).
 *
 * A job of its own rather than part of update-component: update-component runs hourly and acts
 * on open MRs of the source's latest green commit; this one acts on merged MRs and deployments,
 * every few minutes, with its own cursors. It reads the bump MRs only through the shared branch
 * naming and marker (src/domain/bump.ts), never update-component's files.
 */

export default defineJob({
  name: FOLLOW_JOB,
  description:
    'Follow each merged update-component bump through the environments: workflow labels, one note per environment, one Slack conversation per bump, deployments recorded on the component project.',
  schedule: '*/5 * * * *',
  timeoutSeconds: 600,
  options: optionsSchema,
  checkConfig(options, config) {
    return [
      ...checkForge(config, options.forge, 'forge'),
      ...options.components.flatMap((c, i) =>
        c.source ? checkForge(config, c.source.forge, `components[${i}].source.forge`) : [],
      ),
      ...checkChannel(config, options.slackChannel, 'slackChannel'),
    ];
  },
  async plan(ctx, options) {
    return planRun(ctx, options);
  },
  apply: (ctx, plan, options) => applyPlan(ctx, options, plan),
  report(ctx, plan, applied) {
    const items: ItemResult[] = [];
    const failures = applied?.failures ?? [];
    for (const [key, record] of Object.entries(plan.records)) {
      const reached = record.environments.filter((e) => record.reached[e.name]).map((e) => e.name);
      const mine = failures.filter((f) => f.key === key);
      const steps = plan.steps.filter((s) => s.key === key);
      items.push({
        name: `${record.component} bump ${record.iid} (${record.project})`,
        status: mine.length ? 'failed' : steps.length ? 'ok' : 'noop',
        summary:
          (reached.length ? `reached ${reached.join(', ')}` : 'merged, not deployed yet') +
          (Object.keys(record.rolledBack).length
            ? `; rolled back on ${Object.keys(record.rolledBack).join(', ')}`
            : '') +
          (mine.length ? `; ${mine.map((f) => f.message).join('; ')}` : ''),
        links: [{ text: `${record.component} bump`, url: record.url }],
      });
    }
    const moved = plan.moved.map((m) => `${m.deployments} on ${m.environment}`).join(', ');
    const status = items.length ? combineStatus(items.map((i) => i.status)) : 'noop';
    const summary = [
      moved ? `deployments: ${moved}` : 'no deployment moved',
      plan.arrivals.length
        ? `${plan.arrivals.length} arrival(s): ${plan.arrivals
            .map((a) => `${plan.records[a.key]?.component ?? a.key} → ${a.environment}`)
            .join(', ')}`
        : '',
      ...plan.events.map(
        (e) =>
          `${plan.records[e.key]?.component ?? e.key} ${e.kind === 'failed' ? 'in a failed deployment to' : 'rolled back on'} ${e.environment}`,
      ),
      plan.newBumps.length ? `${plan.newBumps.length} new bump(s) followed` : '',
      failures.length ? `${failures.length} effect(s) failed` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return {
      status: failures.length ? 'failed' : status,
      summary,
      links: items.flatMap((i) => i.links ?? []),
      items,
      details: { moved: plan.moved, scanned: plan.scanned, arrivals: plan.arrivals, pending: [] },
    };
  },
});
