import type { Config, ForgeConfig } from '../config/schema.js';
import { isSafeRepoFilePath } from './repo-path.js';

/** Cross-checks a job's options against the rest of the config (used by `checkConfig`). */

export function checkForge(config: Config, name: string, path: string, kind?: ForgeConfig['type']): string[] {
  const forge = config.forges[name];
  if (!forge) {
    const known = Object.keys(config.forges);
    return [`${path}: unknown forge "${name}" (forges: ${known.join(', ') || 'none configured'})`];
  }
  if (kind && forge.type !== kind) return [`${path}: forge "${name}" is ${forge.type}; this needs ${kind}`];
  return [];
}

export function checkChannel(config: Config, name: string | undefined, path: string): string[] {
  if (!name || config.slack.channels[name]) return [];
  const known = Object.keys(config.slack.channels);
  return [`${path}: unknown Slack channel "${name}" (slack.channels: ${known.join(', ') || 'none'})`];
}

/** A repository-relative file path that cannot escape the repository (nor reach `.git/`). */
export function isSafeRepoPath(path: string): boolean {
  return isSafeRepoFilePath(path);
}

/**
 * Wherever a job's options name a `forge` and a `project` side by side, a GitHub project must be
 * `owner/repo` (GitLab allows subgroups, so more segments are fine there). Generic, so every
 * job gets it without a check of its own.
 */
export function checkProjectKinds(config: Config, value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => checkProjectKinds(config, v, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof node.forge === 'string' && typeof node.project === 'string') {
    const kind = config.forges[node.forge]?.type;
    if (kind === 'github' && node.project.split('/').length !== 2)
      problems.push(
        `${path ? `${path}.` : ''}project: a GitHub project is owner/repo, got "${node.project}" (forge "${node.forge}" is github)`,
      );
  }
  for (const [key, child] of Object.entries(node))
    problems.push(...checkProjectKinds(config, child, path ? `${path}.${key}` : key));
  return problems;
}
