import { errorMessage } from '../../src/errors.js';
import type { CommitCheck } from '../../src/forges/types.js';
import { newestPerName } from '../../src/kit/checks.js';
import { formatDuration, parseDuration } from '../../src/kit/duration.js';
import { matchesAny } from '../../src/kit/glob.js';
import { getJson } from '../../src/kit/http-json.js';
import { valueAtPath } from '../../src/kit/json-path.js';
import { render } from '../../src/kit/template.js';
import type { NotifyMessage } from '../../src/notify/types.js';
import type { JobContext } from '../../src/runner/job.js';
import { sendOnce } from './once.js';
import { repoName, type Options } from './options.js';
import { shortSha, type RepoPlan } from './plan.js';
import { planProgress } from './progress.js';
import type { Probe, Ready } from './ready-options.js';

/**
 * Is a dependency's new stable head ready for the repos that depend on it? Packit's mover waited
 * until the new stable's Copr build existed before moving the dependents, because their images
 * install it. Here one look per run, never a blocking wait: not ready yet means the dependents
 * wait for the next poll; a failed build or a timeout stops the dependents (only them), and the
 * team hears about it once: one Slack message and one Sentry event per dependency head.
 */

export interface Readiness {
  state: 'ready' | 'waiting' | 'failed';
  /** One line: what was looked at and what it says. */
  summary: string;
  url?: string;
}

const PASSED = new Set<CommitCheck['status']>(['success', 'neutral']);
const BROKEN = new Set<CommitCheck['status']>(['failed', 'canceled', 'skipped']);

async function byChecks(ctx: JobContext, options: Options, dep: RepoPlan, head: string, patterns: string[]) {
  const forge = ctx.forge(options.forge);
  const where = `${dep.name} ${dep.repo.stable} ${shortSha(head)}`;
  const checks = newestPerName(await forge.ci.commitChecks(dep.repo.project, head)).filter((c) =>
    matchesAny(c.name, patterns),
  );
  if (checks.length === 0)
    return { state: 'waiting', summary: `no ${patterns.join(', ')} check on ${where} yet` } as const;
  const broken = checks.find((c) => BROKEN.has(c.status));
  if (broken)
    return {
      state: 'failed',
      summary: `${broken.name} ${broken.status} on ${where}`,
      url: broken.webUrl || undefined,
    } as const;
  const running = checks.filter((c) => !PASSED.has(c.status));
  if (running.length)
    return {
      state: 'waiting',
      summary: `${running.map((c) => `${c.name} ${c.status}`).join(', ')} on ${where}`,
      url: running[0]!.webUrl || undefined,
    } as const;
  return { state: 'ready', summary: `${checks.map((c) => c.name).join(', ')} passed on ${where}` } as const;
}

async function byProbe(ctx: JobContext, dep: RepoPlan, head: string, probe: Probe) {
  const values = { sha: head, sha7: head.slice(0, 7), sha12: head.slice(0, 12) };
  const url = render(probe.url, values);
  const where = `${dep.name} ${dep.repo.stable} ${shortSha(head)}`;
  const answer = await getJson(url, {
    timeoutMs: probe.timeoutSeconds * 1000,
    signal: ctx.signal,
    retries: 1,
  });
  if (answer.status !== probe.status)
    return {
      state: 'waiting',
      summary: `probe for ${where} answered ${answer.status ? `HTTP ${answer.status}` : (answer.error ?? 'nothing')}, expected ${probe.status}`,
      url,
    } as const;
  if (probe.field) {
    const value = valueAtPath(answer.body, probe.field);
    const text = value === undefined || value === null ? '' : String(value);
    const contains = probe.contains === undefined ? undefined : render(probe.contains, values);
    const fits =
      text !== '' &&
      (probe.equals === undefined || text === render(probe.equals, values)) &&
      (contains === undefined || text.includes(contains));
    if (!fits)
      return {
        state: 'waiting',
        summary: `probe for ${where}: ${probe.field} is ${text ? JSON.stringify(text.slice(0, 80)) : 'missing'}${contains ? `, waiting for it to contain ${contains}` : ''}`,
        url,
      } as const;
  }
  return { state: 'ready', summary: `probe for ${where} answered as expected`, url } as const;
}

/** Repos that depend on `name`, directly or through another repo, in config order. */
export function dependentsOf(options: Options, name: string): string[] {
  const out: string[] = [];
  for (const repo of options.repos) {
    const n = repoName(repo);
    if (repo.dependsOn.some((d) => d === name || out.includes(d))) out.push(n);
  }
  return out;
}

function notReadyMessage(
  ctx: JobContext,
  options: Options,
  input: { dep: RepoPlan; head: string; readiness: Readiness; dependents: string[]; hash: string },
): NotifyMessage {
  const { dep, head, readiness, dependents } = input;
  return {
    title: `move-stable-branches: ${dep.name}'s new ${dep.repo.stable} ${shortSha(head)} is not ready — ${dependents.join(', ')} will not move (plan ${input.hash})`,
    severity: 'error',
    mention: options.mention,
    sections: [readiness.summary],
    fields: [
      { label: 'Dependency', value: `${dep.repo.project} ${dep.repo.stable} ${shortSha(head)}` },
      { label: 'Stopped', value: dependents.join(', ') },
    ],
    nextStep: `Fix or re-run ${dep.name}'s build of ${shortSha(head)}, then move the stopped repos with \`release-bot run move-stable-branches --yes\`. Repos that do not depend on ${dep.name} moved as planned.`,
    links: readiness.url && /^https?:/.test(readiness.url) ? [{ text: 'Build', url: readiness.url }] : [],
    context: { job: ctx.job, runId: ctx.runId, dryRun: ctx.dryRun },
  };
}

export type ReadinessCheck = (dep: RepoPlan, head: string, ready: Ready) => Promise<Readiness>;

/**
 * One look per dependency head and run (several dependents share it). Waiting longer than
 * `ready.timeout` since the first poll that saw it not ready counts as failed.
 */
export function readinessChecker(ctx: JobContext, options: Options, hash: string): ReadinessCheck {
  const progress = planProgress(ctx, hash);
  const seen = new Map<string, Promise<Readiness>>();
  async function look(dep: RepoPlan, head: string, ready: Ready): Promise<Readiness> {
    let found: Readiness;
    try {
      found = ready.checks
        ? await byChecks(ctx, options, dep, head, ready.checks)
        : await byProbe(ctx, dep, head, ready.probe!);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      found = {
        state: 'waiting',
        summary: `could not tell whether ${dep.name} is ready: ${errorMessage(error)}`,
      };
    }
    if (found.state === 'waiting') {
      const record = await progress.get(dep.name);
      const since = record?.waitingSince ?? ctx.now().toISOString();
      if (record && !record.waitingSince && !ctx.dryRun)
        await progress.set(dep.name, { ...record, waitingSince: since });
      const waited = ctx.now().getTime() - Date.parse(since);
      const limit = parseDuration(ready.timeout)!;
      if (waited >= limit)
        found = {
          ...found,
          state: 'failed',
          summary: `not ready ${formatDuration(waited)} after the first look (timeout ${ready.timeout}): ${found.summary}`,
        };
      else
        found = {
          ...found,
          summary: `${found.summary} (waiting since ${since.replace('T', ' ').slice(0, 16)} UTC, up to ${ready.timeout})`,
        };
    }
    if (found.state === 'failed') {
      const dependents = dependentsOf(options, dep.name);
      // Two keys: a run killed between the two sends neither twice.
      await sendOnce(ctx, `not-ready:sentry:${hash}:${dep.name}:${head}`, () =>
        ctx.sentry.captureMessage(
          `move-stable-branches: ${dep.name}'s new stable is not ready, ${dependents.join(', ')} stopped`,
          {
            level: 'error',
            fingerprint: ['move-stable-branches', 'not-ready', dep.name, head],
            tags: { plan: hash, repo: dep.name },
            extra: { head, summary: found.summary, dependents },
          },
        ),
      );
      await sendOnce(ctx, `not-ready:slack:${hash}:${dep.name}:${head}`, async () => {
        await ctx.notifier.send(
          ctx.slackChannel,
          notReadyMessage(ctx, options, { dep, head, readiness: found, dependents, hash }),
        );
      });
    }
    return found;
  }
  return (dep, head, ready) => {
    const key = `${dep.name}@${head}`;
    let pending = seen.get(key);
    if (!pending) {
      pending = look(dep, head, ready);
      seen.set(key, pending);
    }
    return pending;
  };
}
