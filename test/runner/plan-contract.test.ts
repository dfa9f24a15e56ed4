import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jobs } from '../../app/jobs.js';
import { errorMessage } from '../../src/errors.js';
import { defineJob, type JobContext, type Plan, type Step } from '../../src/runner/job.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';

/**
 * The plan/apply contract through the real runner, the real SDK clients and the simulator:
 * a dry run never reaches apply and lists the plan's steps as not done; plan (and report) cannot
 * write, even in a real run; a real run applies and reports the steps done.
 */

interface BranchStep extends Step {
  forge: string;
  project: string;
  branch: string;
}

const applied: string[] = [];

const branches = defineJob({
  name: 'contract-branches',
  description: 'create a branch on each forge when it is missing',
  schedule: 'manual',
  options: z.object({ branch: z.string() }),
  async plan(ctx, options): Promise<Plan<BranchStep>> {
    const steps: BranchStep[] = [];
    for (const forge of ['gitlab', 'github']) {
      if (await ctx.forge(forge).repo.getBranch('org/app', options.branch)) continue;
      steps.push({
        kind: 'create-branch',
        description: `create ${options.branch} in org/app on ${forge}`,
        subject: forge,
        forge,
        project: 'org/app',
        branch: options.branch,
        slack: {
          channel: 'releases',
          message: {
            title: `branch ${options.branch} created on ${forge}`,
            severity: 'info',
            context: { job: ctx.job },
          },
        },
      });
    }
    return { steps };
  },
  async apply(ctx, plan) {
    applied.push(ctx.runId);
    if (ctx.args.explode) throw new Error('apply must not run');
    const actions = [];
    for (const step of plan.steps) {
      const branch = await ctx.forge(step.forge).repo.createBranch(step.project, step.branch, 'main');
      await ctx.notifier.send(step.slack!.channel, step.slack!.message);
      actions.push({
        kind: step.kind,
        description: step.description,
        subject: step.subject,
        done: true,
        url: branch.webUrl,
      });
    }
    return { actions };
  },
  report(ctx, plan, done) {
    const verb = done ? 'created' : 'would create';
    return {
      status: plan.steps.length ? 'ok' : 'noop',
      summary: plan.steps.length ? `${verb} ${plan.steps.length} branch(es)` : 'nothing to do',
      links: [],
    };
  },
});

/** Plan phase writes of every kind; each attempt's error is kept, then the plan is empty. */
async function tryWrites(ctx: JobContext, forge: string): Promise<string[]> {
  const attempts: (() => Promise<unknown>)[] = [
    () => ctx.forge(forge).repo.createBranch('org/app', 'sneaky', 'main'),
    () => ctx.forge(forge).issues.create('org/app', { title: 't', description: 'd' }),
    () =>
      ctx
        .forgeWithToken(forge, ctx.config.forges[forge]?.token ?? '')
        .repo.createBranch('org/app', 'sneaky', 'main'),
    () => ctx.store.putControl('contract', 'sneaky', { at: ctx.runId }),
    () => ctx.notifier.send(undefined, { title: 'hello', severity: 'info', context: { job: ctx.job } }),
  ];
  const refused: string[] = [];
  for (const attempt of attempts) {
    try {
      await attempt();
      refused.push('written');
    } catch (error) {
      refused.push(`${(error as Error).name}: ${errorMessage(error)}`);
    }
  }
  return refused;
}

const sneaky = defineJob({
  name: 'contract-sneaky',
  description: 'tries to write while planning and reporting',
  schedule: 'manual',
  options: z.object({}),
  async plan(ctx) {
    const refused = await tryWrites(ctx, String(ctx.args.forge ?? 'gitlab'));
    // Plan may remember what it learned: staged, written only when a real run applies.
    await ctx.state.set('seen', ctx.runId);
    return { steps: [], refused, seen: await ctx.state.get<string>('seen') };
  },
  async apply(ctx) {
    return { actions: [], stored: await ctx.state.get<string>('seen') };
  },
  async report(ctx, plan, applied) {
    const refused = [...plan.refused];
    await ctx.state
      .set('seen', 'by report')
      .catch((error: Error) => refused.push(`${error.name}: ${error.message}`));
    return {
      status: 'noop',
      summary: 'planned',
      links: [],
      details: { refused, seen: plan.seen, stored: applied?.stored ?? null },
    };
  },
});

const reportWriter = defineJob({
  name: 'contract-report-writer',
  description: 'writes from report',
  schedule: 'manual',
  options: z.object({}),
  async plan() {
    return { steps: [] };
  },
  async apply() {
    return { actions: [] };
  },
  async report(ctx) {
    await ctx.forge('gitlab').repo.createBranch('org/app', 'from-report', 'main');
    return { status: 'ok', summary: 'wrote from report', links: [] };
  },
});

describe('plan/apply contract', () => {
  let h: JobHarness;
  beforeAll(async () => {
    h = await jobHarness({
      jobs: [branches, sneaky, reportWriter],
      seed: async (sim) => {
        await sim.createProject({ forge: 'gitlab', path: 'org/app', members: ['release-bot'] });
        await sim.createProject({ forge: 'github', path: 'org/app', members: ['release-bot'] });
      },
      jobsConfig: () => ({
        'contract-branches': { branch: 'feature' },
        'contract-sneaky': {},
        'contract-report-writer': {},
      }),
    });
  });
  afterAll(() => h.close());

  it('never applies in a dry run and lists the planned steps as not done', async () => {
    const since = h.sim.mark();
    const { run, result } = await h.run('contract-branches', { dryRun: true, args: { explode: true } });
    expect(applied).not.toContain(run.id);
    expect(run.status).toBe('ok');
    expect(result?.summary).toBe('would create 2 branch(es)');
    expect(result?.actions).toEqual([
      {
        kind: 'create-branch',
        description: 'create feature in org/app on gitlab',
        subject: 'gitlab',
        done: false,
      },
      {
        kind: 'create-branch',
        description: 'create feature in org/app on github',
        subject: 'github',
        done: false,
      },
    ]);
    expect(h.sim.requests({ since }).filter((r) => r.method !== 'GET')).toEqual([]);
    // The steps' Slack messages are previewed, not sent.
    expect(h.slack.messages).toEqual([]);
    expect(
      h.app
        .sentMessages()
        .filter((m) => m.message.context.job === 'contract-branches')
        .map((m) => [m.channel, m.message.title, m.delivered]),
    ).toEqual([
      ['releases', 'branch feature created on gitlab', false],
      ['releases', 'branch feature created on github', false],
    ]);
  });

  it('refuses every write in plan and report, on both forges, even in a real run', async () => {
    for (const forge of ['gitlab', 'github']) {
      const since = h.sim.mark();
      const { run, result } = await h.run('contract-sneaky', { args: { forge } });
      expect(run.dryRun).toBe(false);
      const refused = (result?.details as { refused: string[] }).refused;
      // three forge writes, a store write and a Slack send in plan, a state write in report
      expect(refused).toHaveLength(6);
      for (const line of refused)
        expect(line).toMatch(/^PlanWriteError: plan phase: refused to perform a write/);
      expect(h.sim.requests({ since }).filter((r) => r.method !== 'GET')).toEqual([]);
    }
    expect(h.slack.messages).toEqual([]);
    expect(await h.app.store.getControl('contract', 'sneaky')).toBeNull();
  });

  it("stages plan's state writes: dropped in a dry run, written when a real run applies", async () => {
    const dry = await h.run('contract-sneaky', { dryRun: true });
    expect(dry.result?.details).toMatchObject({ seen: dry.run.id, stored: null });
    expect(await h.app.store.getState('contract-sneaky', 'seen')).not.toBe(dry.run.id);
    const real = await h.run('contract-sneaky');
    expect(real.result?.details).toMatchObject({ seen: real.run.id, stored: real.run.id });
    expect(await h.app.store.getState('contract-sneaky', 'seen')).toBe(real.run.id);
  });

  it('refuses a write in report: the run fails and nothing reaches the forge', async () => {
    const since = h.sim.mark();
    const { run } = await h.run('contract-report-writer');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/plan phase: refused to perform a write/);
    expect(h.sim.requests({ since }).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('applies in a real run and reports the steps done; the next run has nothing to do', async () => {
    const { run, result } = await h.run('contract-branches');
    expect(applied).toContain(run.id);
    expect(run.status).toBe('ok');
    expect(result?.summary).toBe('created 2 branch(es)');
    expect(result?.actions.map((a) => [a.subject, a.done])).toEqual([
      ['gitlab', true],
      ['github', true],
    ]);
    expect(result?.actions.every((a) => a.url?.startsWith('http'))).toBe(true);
    // Apply sent the steps' Slack messages, once each: the runner did not add its own.
    const created = h.slack.messages.filter((m) => m.payload.text?.includes('branch feature created'));
    expect(created.map((m) => [m.channel, m.payload.text])).toEqual([
      ['releases', expect.stringContaining('branch feature created on gitlab')],
      ['releases', expect.stringContaining('branch feature created on github')],
    ]);
    const again = await h.run('contract-branches');
    expect(again.result?.summary).toBe('nothing to do');
    expect(again.result?.actions).toEqual([]);
  });

  it('fails a real run whose apply throws, after planning', async () => {
    const { run } = await h.run('contract-branches', { args: { explode: true } });
    expect(applied).toContain(run.id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/apply must not run/);
  });
});

describe('the jobs of the bot', () => {
  it('are all on the plan/apply/report contract: none has a one-function run', () => {
    expect(jobs.length).toBeGreaterThanOrEqual(7);
    for (const job of jobs) {
      expect([typeof job.plan, typeof job.apply, typeof job.report, typeof job.run], job.name).toEqual([
        'function',
        'function',
        'function',
        'undefined',
      ]);
    }
  });
});
