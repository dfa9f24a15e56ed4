import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { starterConfig, starterJobs, type StarterForge } from '../starter.js';
import { DEFAULT_CONFIG_PATH } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { EXIT } from './exit.js';

/** `release-bot init [file] --jobs a,b [--forge gitlab|github] [--force]`: exit 0 written, 2 usage (nothing written). */
export function initCommand(
  file: string | undefined,
  options: { jobs?: string; forge?: string; force?: boolean },
): number {
  const known = starterJobs();
  const jobs = (options.jobs ?? 'heartbeat')
    .split(',')
    .map((j) => j.trim())
    .filter(Boolean);
  const unknown = jobs.filter((j) => !known.includes(j));
  if (unknown.length)
    throw new UsageError(`--jobs: unknown job ${unknown.join(', ')} (jobs: ${known.join(', ')})`);
  const forge = (options.forge ?? 'gitlab') as StarterForge;
  if (forge !== 'gitlab' && forge !== 'github')
    throw new UsageError(`--forge must be gitlab or github, got ${forge}`);
  const target = file ?? DEFAULT_CONFIG_PATH;
  if (existsSync(target) && !options.force)
    throw new UsageError(`${target} exists; pass --force to overwrite it`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, starterConfig(jobs, forge));
  const secret = forge === 'gitlab' ? 'GITLAB_TOKEN' : 'GITHUB_TOKEN';
  process.stdout.write(
    [
      `wrote ${target} (jobs: ${jobs.join(', ')}; forge: ${forge})`,
      'next:',
      `  replace the my-group/... placeholders in ${target}`,
      `  export ${secret}=… SLACK_WEBHOOK_RELEASES=…`,
      `  release-bot --config ${target} config validate`,
      `  release-bot --config ${target} doctor`,
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}
