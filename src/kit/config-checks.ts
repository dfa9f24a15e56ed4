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
