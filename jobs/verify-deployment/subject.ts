import type { Deployment } from '../../src/forges/types.js';
import { render } from '../../src/kit/template.js';
import type { Target } from './options.js';

/** The deployment under verification, with the values templates are filled from. */

export interface Subject {
  target: Target;
  deployment: Deployment;
  /** Package version: the deployment's version, else its ref. */
  version: string;
  release: string;
  values: Record<string, string>;
}

export function versionOf(deployment: Deployment): string {
  return deployment.version ?? deployment.ref;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 11);
}

export function subjectOf(target: Target, deployment: Deployment): Subject {
  const version = versionOf(deployment);
  const base: Record<string, string> = {
    version,
    sha: deployment.sha,
    short_sha: shortSha(deployment.sha),
    ref: deployment.ref,
    environment: deployment.environment,
    deployment: String(deployment.id),
  };
  const release = render(target.release, base);
  return { target, deployment, version, release, values: { ...base, release } };
}

export function fill(subject: Subject, template: string): string {
  return render(template, subject.values);
}

/** "production #42 (14.8.202202080920-97d6e07c2a1…, 97d6e07c2a1)". */
export function describeDeployment(deployment: Deployment): string {
  const version = versionOf(deployment);
  const sha = shortSha(deployment.sha);
  return `${deployment.environment} #${deployment.id} (${version === sha || version === deployment.sha ? sha : `${version}, ${sha}`})`;
}
