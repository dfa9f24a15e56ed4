import { shortDigest } from '../../../src/registry/digest.js';
import type { Action } from '../../../src/runner/job.js';
import { imageSteps, type ImageEndpoints, type ImagePlan } from './plan.js';

/**
 * Images, writing: blobs first (mounted, or streamed staging → public with their digest checked
 * while they stream), then an index's children by digest, then the tag — so the tag only ever
 * points at a complete image, a blob that fails verification stops the image before any
 * manifest is pushed, and a killed run leaves only content-addressed pieces the next run finds.
 */

export type ImageStatus = 'copied' | 'would copy' | 'skipped' | 'failed';

export interface ImageOutcome {
  status: ImageStatus;
  detail: string;
  actions: Action[];
}

export type Retry = <T>(what: string, step: () => Promise<T>) => Promise<T>;

/** What a plan would do, nothing done: the dry run's answer, and a skip's or a refusal's. */
export function plannedOutcome(plan: ImagePlan, endpoints: ImageEndpoints): ImageOutcome {
  if (plan.decision !== 'copy')
    return { status: plan.decision === 'skip' ? 'skipped' : 'failed', detail: plan.reason, actions: [] };
  const actions = imageSteps(plan, endpoints).map((s) => ({ ...s, done: false }));
  const blobs = actions.filter((a) => a.kind !== 'push-manifest' && a.kind !== 'tag-manifest').length;
  const present = plan.blobs.filter((b) => b.action === 'present').length;
  return {
    status: 'would copy',
    detail: `would copy ${blobs} blob(s) and ${actions.length - blobs} manifest(s)${present ? `, ${present} blob(s) already public` : ''} (${plan.reason})`,
    actions,
  };
}

export async function applyImage(
  endpoints: ImageEndpoints,
  plan: ImagePlan,
  retry: Retry,
  progress: (message: string) => void = () => undefined,
): Promise<ImageOutcome> {
  if (plan.decision !== 'copy' || !plan.top) return plannedOutcome(plan, endpoints);
  const { staging, public: pub } = endpoints;
  const actions = imageSteps(plan, endpoints).map((s) => ({ ...s, done: false }));
  let next = 0;
  const done = () => (actions[next++]!.done = true);
  let mounted = 0;
  let copied = 0;
  for (const blob of plan.blobs) {
    if (blob.action === 'present') continue;
    const d = blob.descriptor;
    progress(`${plan.name}: blob ${shortDigest(d.digest)}… (${d.size} bytes)`);
    const how = await retry(`${plan.name}: blob ${shortDigest(d.digest)}…`, () =>
      pub.pushBlob(
        plan.target,
        d,
        () => staging.openBlob(plan.source, d),
        blob.action === 'mount' ? plan.source : undefined,
      ),
    );
    if (how === 'mounted') mounted++;
    else copied++;
    if (how === 'uploaded' && actions[next]!.kind === 'mount-blob')
      actions[next]!.description += ' — the registry refused the mount: streamed instead';
    done();
  }
  for (const child of plan.children) {
    if (child.action === 'present') continue;
    await retry(`${plan.name}: manifest ${shortDigest(child.digest)}…`, () =>
      pub.putManifest(plan.target, child.digest, child.mediaType, child.bytes),
    );
    done();
  }
  // The tag last, and only over what the plan saw: someone may have moved it meanwhile.
  const top = plan.top;
  const now = await retry(`${plan.name}: public tag`, () => pub.resolve(plan.target, plan.tag));
  if (now?.digest === top.digest) {
    actions[next]!.description += ' — already there (pushed meanwhile)';
    return { status: 'skipped', detail: `already public (same digest ${shortDigest(top.digest)}…)`, actions };
  }
  if (now && now.digest !== plan.publicDigest)
    return {
      status: 'failed',
      detail: `public ${plan.target}:${plan.tag} moved to ${shortDigest(now.digest)}… during the run; nothing overwritten`,
      actions,
    };
  await retry(`${plan.name}: tag ${plan.tag}`, () =>
    pub.putManifest(plan.target, plan.tag, top.mediaType, top.bytes),
  );
  done();
  const after = await retry(`${plan.name}: read back`, () => pub.resolve(plan.target, plan.tag));
  if (after?.digest !== top.digest)
    return {
      status: 'failed',
      detail: `pushed, but ${plan.target}:${plan.tag} reads back ${after ? shortDigest(after.digest) + '…' : 'nothing'}; check ${pub.name} by hand`,
      actions,
    };
  const parts = [
    copied ? `${copied} blob(s) streamed and verified` : '',
    mounted ? `${mounted} mounted` : '',
    plan.children.length
      ? `${plan.children.filter((c) => c.action === 'push').length} of ${plan.children.length} platform manifests pushed`
      : '',
  ].filter(Boolean);
  return {
    status: 'copied',
    detail: `copied at ${shortDigest(top.digest)}…${parts.length ? ` (${parts.join(', ')})` : ''}${plan.forced ? `; forced: ${plan.forced}` : ''}`,
    actions,
  };
}
