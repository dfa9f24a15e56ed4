import { z } from 'zod';

/**
 * Paths the bot sends to a forge: project paths (URL path segments) and files inside a
 * repository (written by the bot's commits). Neither may point anywhere but where it says.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** Why `path` is not a safe repository-relative file path, or undefined when it is. */
export function repoFilePathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (CONTROL.test(path)) return 'contains a control character';
  if (path.startsWith('/')) return 'starts with "/" (must be relative to the repository root)';
  if (path.includes('\\')) return 'contains "\\"';
  for (const part of path.split('/')) {
    if (part === '') return 'has an empty segment ("//" or a trailing "/")';
    if (part === '..' || part === '.') return `has a "${part}" segment`;
    // git refuses .git in any case (core.protectNTFS/HFS); a commit there would write git's own files.
    if (part.toLowerCase() === '.git') return 'has a ".git" segment';
  }
  return undefined;
}

export function isSafeRepoFilePath(path: string): boolean {
  return repoFilePathProblem(path) === undefined;
}

const PROJECT_SEGMENT = /^[A-Za-z0-9_.][\w.-]*$/;

/** Why `path` is not a project path (`group/sub/project`, `owner/repo`), or undefined when it is. */
export function projectPathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  const parts = path.split('/');
  if (parts.length < 2) return 'needs a group or owner and a name (group/name)';
  for (const part of parts) {
    if (part === '') return 'has an empty segment';
    if (part === '.' || part === '..') return `has a "${part}" segment`;
    if (!PROJECT_SEGMENT.test(part))
      return `segment "${part}" may only use letters, digits, "_", "-" and "." (not starting with "-")`;
    if (/\.(git|atom)$/i.test(part)) return `segment "${part}" ends with .git or .atom`;
  }
  return undefined;
}

/** A project path in the config: `group/sub/project` on GitLab, `owner/repo` on GitHub. */
export const projectPath = z
  .string()
  .superRefine((value, ctx) => {
    const problem = projectPathProblem(value);
    if (problem)
      ctx.addIssue({ code: 'custom', message: `expected a project path like group/name: ${problem}` });
  })
  // For editors (config/schema.json); the refinement above is the check.
  .meta({
    pattern: '^[A-Za-z0-9_.][\\w.-]*(/[A-Za-z0-9_.][\\w.-]*)+$',
    description: 'group/sub/project (GitLab) or owner/repo (GitHub); no "." or ".." segments',
  });

/** A file inside a repository. */
export const repoFilePath = z
  .string()
  .superRefine((value, ctx) => {
    const problem = repoFilePathProblem(value);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: `must be a relative path inside the repository (no "..", no leading "/"): ${problem}`,
      });
  })
  .meta({ description: 'a path inside the repository: relative, no "..", no ".git/", no NUL', minLength: 1 });
