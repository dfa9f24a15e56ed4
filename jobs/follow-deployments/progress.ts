import type { Deployment, Forge } from '../../src/forges/types.js';
import type { BumpRecord, DeploymentRef } from '../../src/domain/bump-deployments.js';

/**
 * What new deployments mean for the followed bumps: a successful deployment whose sha descends
 * from a bump's merge commit is the bump's arrival in that environment (the first one only); a
 * later successful deployment that does not is a rollback past it; a failed deployment that
 * carried a bump not there yet is said once.
 */

export function refOf(d: Deployment): DeploymentRef {
  return { id: d.id, sha: d.sha, url: d.webUrl, ref: d.ref, version: d.version ?? d.ref };
}

/** Does `sha` contain `ancestor`? One compare per pair, remembered for the run. */
export function containment(forge: Forge, project: string) {
  const known = new Map<string, Promise<boolean>>();
  return (ancestor: string, sha: string): Promise<boolean> => {
    if (ancestor === sha) return Promise.resolve(true);
    const key = `${ancestor}..${sha}`;
    let answer = known.get(key);
    if (!answer) {
      answer = forge.repo
        .compare(project, ancestor, sha)
        // A compare that timed out is "unknown": not an arrival (the next deployment asks again).
        .then((c) => !c.compareTimeout && c.behindBy === 0);
      known.set(key, answer);
    }
    return answer;
  };
}

export interface Moved {
  arrivals: { record: BumpRecord; environment: string }[];
  events: { record: BumpRecord; index: number }[];
}

export async function applyDeployment(
  records: BumpRecord[],
  environment: string,
  d: Deployment,
  head: DeploymentRef | null,
  contains: (ancestor: string, sha: string) => Promise<boolean>,
  recordsComponent: (record: BumpRecord) => boolean,
  moved: Moved,
): Promise<void> {
  const deployedAt = Date.parse(d.updatedAt);
  for (const record of records) {
    if (record.settledAt) continue;
    // A commit deployed before the merge cannot contain it: no compare needed.
    const possible = Date.parse(record.mergedAt) <= deployedAt;
    const reached = record.reached[environment];
    if (d.status === 'success') {
      if (!reached) {
        if (!possible || !(await contains(record.mergeSha, d.sha))) continue;
        record.reached[environment] = {
          deployment: refOf(d),
          at: d.updatedAt,
          previous: head,
          done: { label: false, note: false, slack: false, component: !recordsComponent(record) },
        };
        moved.arrivals.push({ record, environment });
      } else if (d.id !== reached.deployment.id) {
        const carried = possible && (await contains(record.mergeSha, d.sha));
        if (!carried && !record.rolledBack[environment]) {
          record.rolledBack[environment] = { deploymentId: d.id, at: d.updatedAt };
          record.events.push({
            kind: 'rolled-back',
            environment,
            deployment: refOf(d),
            at: d.updatedAt,
            done: { note: false, slack: false },
          });
          moved.events.push({ record, index: record.events.length - 1 });
        } else if (carried && record.rolledBack[environment]) {
          // Deployed again after the rollback: it is back.
          delete record.rolledBack[environment];
        }
      }
    } else if (d.status === 'failed' || d.status === 'canceled') {
      if (reached || !possible) continue;
      if (record.events.some((e) => e.kind === 'failed' && e.deployment.id === d.id)) continue;
      if (!(await contains(record.mergeSha, d.sha))) continue;
      record.events.push({
        kind: 'failed',
        environment,
        deployment: refOf(d),
        at: d.updatedAt,
        done: { note: true, slack: false },
      });
      moved.events.push({ record, index: record.events.length - 1 });
    }
  }
}
