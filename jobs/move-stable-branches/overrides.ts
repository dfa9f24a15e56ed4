import { suggest } from '../../src/config/issues.js';
import { UsageError } from '../../src/errors.js';
import { repoName, type Options } from './options.js';

/**
 * Pinned commits from the command line, in both forms: `--override packit-service=1787687aba71`
 * (repeatable) and the seed's own `--packit-service=1787687aba71` (or `--packit-service 1787…`).
 * Only the syntax is checked here; plan.ts checks that the commit exists, is on the source branch
 * and descends from stable — all before anything is written.
 */

const SHA = /^[0-9a-f]{7,40}$/i;

function list(value: unknown): string[] {
  if (value === undefined || value === null || value === false) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

export function parseOverrides(args: Record<string, unknown>, options: Options): Map<string, string> {
  const names = options.repos.map(repoName);
  const found = new Map<string, string>();
  const add = (name: string, sha: string, flag: string) => {
    if (!names.includes(name)) {
      const hint = suggest(name, names);
      throw new UsageError(
        `${flag}: no repo named "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; configured: ${names.join(', ')}`,
      );
    }
    if (!SHA.test(sha)) throw new UsageError(`${flag}: "${sha}" is not a commit sha (7 to 40 hex digits)`);
    const previous = found.get(name);
    if (previous !== undefined && previous.toLowerCase() !== sha.toLowerCase())
      throw new UsageError(`${name} is pinned twice, to ${previous} and to ${sha}: pick one`);
    found.set(name, sha.toLowerCase());
  };

  for (const entry of list(args.override)) {
    const m = /^([^=\s]+)=(.*)$/.exec(entry);
    if (!m)
      throw new UsageError(
        `--override ${entry}: expected <repo>=<sha>, e.g. --override ${names[0]}=1787687aba71`,
      );
    add(m[1]!, m[2]!.trim(), `--override ${entry}`);
  }

  const unknown = list(args.unknown);
  for (let i = 0; i < unknown.length; i++) {
    const token = unknown[i]!;
    const m = /^--([^=\s]+)(?:=(.*))?$/.exec(token);
    if (!m) throw new UsageError(`unexpected argument "${token}"`);
    let sha = m[2];
    if (sha === undefined) {
      const next = unknown[i + 1];
      if (next === undefined || next.startsWith('-'))
        throw new UsageError(
          `${token}: expected ${token}=<sha> (the commit to move ${m[1]}'s stable branch to)`,
        );
      sha = next;
      i++;
    }
    if (!names.includes(m[1]!)) {
      const hint = suggest(m[1]!, names);
      throw new UsageError(
        `unknown option ${token.split('=')[0]}${hint ? ` (did you mean --${hint}=<sha>?)` : ''}; repos: ${names.join(', ')}`,
      );
    }
    add(m[1]!, sha.trim(), token);
  }
  return found;
}
