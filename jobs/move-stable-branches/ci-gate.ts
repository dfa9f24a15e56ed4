import { errorMessage } from '../../src/errors.js';
import type { CommitCheck } from '../../src/forges/types.js';
import { newestPerName } from '../../src/kit/checks.js';
import { formatDuration, parseDuration } from '../../src/kit/duration.js';
import { matchesAny } from '../../src/kit/glob.js';
import type { JobContext } from '../../src/runner/job.js';
import type { Evidence, GateResult } from './gate.js';
import type { CiGate } from './options.js';

/**
 * CI gate: the stage validation reports on a canary repository (Packit: the morning run on
 * `hello-world`). Every check matching the patterns on its latest commit — newest run per name,
 * so a re-run that passed replaces the old failure — must have passed, recently enough.
 */

const PASSED = new Set<CommitCheck['status']>(['success', 'neutral']);

export async function ciGate(ctx: JobContext, gate: CiGate, defaultForge: string): Promise<GateResult> {
  const where = `${gate.project}${gate.ref ? `@${gate.ref}` : ''}`;
  const fail = (summary: string, evidence: Evidence[] = []): GateResult => ({
    gate: 'ci',
    ok: false,
    summary,
    evidence,
  });
  try {
    const forge = ctx.forge(gate.forge ?? defaultForge);
    const ref = gate.ref ?? (await forge.repo.getProject(gate.project)).defaultBranch;
    const head = await forge.repo.getCommit(gate.project, ref);
    if (!head) return fail(`${gate.project}@${ref}: no such branch or commit`);
    const label = `${gate.project}@${ref} (${head.shortSha})`;
    const checks = newestPerName(await forge.ci.commitChecks(gate.project, head.sha)).filter((c) =>
      matchesAny(c.name, gate.checks),
    );
    if (checks.length === 0)
      return fail(`no check matching ${gate.checks.join(', ')} on ${label}: has the stage validation run?`, [
        { ok: false, text: `no matching check on ${label}`, key: `none:${head.sha}`, url: head.webUrl },
      ]);
    const maxAgeMs = parseDuration(gate.maxAge)!;
    const now = ctx.now().getTime();
    const evidence = checks
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((c): Evidence => {
        const at = c.completedAt ?? c.createdAt;
        const age = now - Date.parse(at);
        const passed = PASSED.has(c.status);
        const stale = passed && age > maxAgeMs;
        const when = at ? ` at ${at.replace('T', ' ').slice(0, 16)} UTC` : '';
        return {
          ok: passed && !stale,
          text: stale
            ? `${c.name}: ${c.status}${when}, older than ${gate.maxAge} (${formatDuration(age)})`
            : `${c.name}: ${c.status}${when}`,
          url: c.webUrl || undefined,
          key: `${c.kind}:${c.name}:${c.id}:${stale ? 'stale' : c.status}`,
        };
      });
    const bad = evidence.filter((e) => !e.ok);
    return bad.length
      ? fail(
          `${bad.length} of ${checks.length} stage check(s) on ${label} not green: ${bad.map((e) => e.text).join('; ')}`,
          evidence,
        )
      : {
          gate: 'ci',
          ok: true,
          summary: `${checks.length} stage check(s) on ${label} passed within ${gate.maxAge}`,
          evidence,
        };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    return fail(`could not read the checks of ${where}: ${errorMessage(error)}`, [
      { ok: false, text: errorMessage(error), key: 'error' },
    ]);
  }
}
