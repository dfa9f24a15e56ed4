import { checksVerdict } from '../../kit/checks.js';
import { etagKey, type EtagCache } from '../etag-cache.js';
import type { BranchChecksOptions, BranchCommitChecks, CommitCheck } from '../types.js';
import type { GithubClient } from './client.js';
import type { GhCheckRun } from './wire.js';

/**
 * A no-op poll of a branch's checks for free. The history-with-checks read is one GraphQL query,
 * which GitHub always charges (no ETags on POST /graphql). When the branch head was green the
 * last time, that answer stays right as long as the head and its signals stay the same, which
 * REST can tell with conditional requests: the head's check runs (`GET commits/{branch}/check-runs`,
 * each run names its head_sha) and, when the head had commit statuses, its combined status (which
 * names the sha). Both answer 304 while nothing changed: no rate-limit point.
 *
 * Kept for MAX_AGE at most (also in the store, through the ETag cache's layers): a kind of signal
 * the head did not have before (a commit status on a head green by check runs alone) is seen when
 * the branch moves or within MAX_AGE. Only a green head is kept: below a pending or red head the
 * newest green commit may change without the head changing.
 */

const MAX_AGE_MS = 24 * 3_600_000;

type Probe = 'runs' | 'status';

interface Memo {
  sha: string;
  probes: Probe[];
  answer: BranchCommitChecks[];
}

interface ProbeAnswer {
  /** The ETags of the probes, joined: equal means nothing about the head changed. */
  tag: string;
  /** The head sha the probes saw (undefined when they could not tell). */
  sha: string | undefined;
  probes: Probe[];
  /** The head's check runs, as the check-runs probe answered them. */
  runs: (GhCheckRun & { head_sha?: string })[];
}

export interface BranchMemo {
  /**
   * The remembered answer, when the head and its signals did not change since; or, when the head
   * moved and the check-runs probe shows the new head accepted by `stopAt`, that head alone.
   */
  lookup(
    project: string,
    branch: string,
    limit: number,
    options?: BranchChecksOptions,
  ): Promise<BranchCommitChecks[] | undefined>;
  /** Remember a fresh answer (after lookup said no). */
  remember(project: string, branch: string, limit: number, answer: BranchCommitChecks[]): Promise<void>;
}

export function branchMemo(
  gh: GithubClient,
  cache: EtagCache | undefined,
  identity: string,
  toCheck: (run: GhCheckRun) => CommitCheck,
): BranchMemo {
  const key = (project: string, branch: string, limit: number) =>
    etagKey(identity, `memo:branch-checks:${project}:${branch}:${limit}`, null);
  // The probe answered during lookup, reused by remember so a changed head costs no second probe.
  const lastProbe = new Map<string, ProbeAnswer>();

  async function probe(project: string, branch: string, probes: Probe[]): Promise<ProbeAnswer> {
    const repo = gh.repo(project);
    const tags: string[] = [];
    const shas = new Set<string>();
    const runs: ProbeAnswer['runs'] = [];
    for (const p of probes) {
      if (p === 'runs') {
        const res = await gh.response<{ check_runs?: ProbeAnswer['runs'] }>(
          'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
          { ...repo, ref: branch, filter: 'all', per_page: 100 },
        );
        tags.push(`runs:${res.headers.etag ?? ''}`);
        for (const run of res.data.check_runs ?? []) if (run.head_sha) shas.add(run.head_sha);
        runs.push(...(res.data.check_runs ?? []));
        if ((res.data.check_runs ?? []).length === 0) shas.add('');
      } else {
        const res = await gh.response<{ sha?: string }>('GET /repos/{owner}/{repo}/commits/{ref}/status', {
          ...repo,
          ref: branch,
          per_page: 100,
        });
        tags.push(`status:${res.headers.etag ?? ''}`);
        shas.add(res.data.sha ?? '');
      }
    }
    const only = shas.size === 1 ? [...shas][0] : undefined;
    return { tag: tags.join('|'), sha: only || undefined, probes, runs };
  }

  return {
    async lookup(project, branch, limit, options) {
      if (!cache) return undefined;
      const k = key(project, branch, limit);
      const stored = await cache.get(k);
      if (!stored || Date.now() - stored.at > MAX_AGE_MS) return undefined;
      let memo: Memo;
      try {
        memo = JSON.parse(stored.body) as Memo;
      } catch {
        return undefined;
      }
      const seen = await probe(project, branch, memo.probes);
      lastProbe.set(k, seen);
      if (seen.tag === stored.etag && seen.sha === memo.sha && !seen.tag.includes(':|')) return memo.answer;
      // The head moved. A head judged by check runs alone before is judged by them again: when
      // the probe shows the new head accepted, it is the answer (the caller looks no further).
      if (!options?.stopAt || memo.probes.join() !== 'runs' || !seen.sha || seen.runs.length === 0)
        return undefined;
      const entry: BranchCommitChecks = {
        commit: {
          sha: seen.sha,
          shortSha: seen.sha.slice(0, 7),
          webUrl: `${gh.webUrl}/${project}/commit/${seen.sha}`,
        },
        checks: seen.runs.map(toCheck),
      };
      if (checksVerdict(entry.checks) !== 'green' || !options.stopAt(entry)) return undefined;
      const fresh: Memo = { sha: seen.sha, probes: ['runs'], answer: [entry] };
      await cache.set(k, { etag: seen.tag, headers: {}, body: JSON.stringify(fresh), at: Date.now() });
      lastProbe.delete(k);
      return [entry];
    },

    async remember(project, branch, limit, answer) {
      if (!cache) return;
      const head = answer[0];
      if (!head || checksVerdict(head.checks) !== 'green') return;
      const probes: Probe[] = [];
      if (head.checks.some((c) => c.kind === 'check_run')) probes.push('runs');
      if (head.checks.some((c) => c.kind === 'status')) probes.push('status');
      const k = key(project, branch, limit);
      const previous = lastProbe.get(k);
      lastProbe.delete(k);
      // Reuse the lookup's probe when it asked the same and saw this head; else probe once now.
      const seen =
        previous && previous.sha === head.commit.sha && previous.probes.join() === probes.join()
          ? previous
          : await probe(project, branch, probes);
      if (seen.sha !== head.commit.sha || !seen.tag || seen.tag.includes(':|') || seen.tag.endsWith(':'))
        return;
      const memo: Memo = { sha: head.commit.sha, probes, answer };
      await cache.set(k, { etag: seen.tag, headers: {}, body: JSON.stringify(memo), at: Date.now() });
    },
  };
}
