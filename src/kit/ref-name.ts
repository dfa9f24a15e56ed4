import { z } from 'zod';

/**
 * git's ref-name rules (`git check-ref-format --branch`), for every config value or CLI value
 * that becomes a branch or a part of one. A name git would refuse fails at config time with the
 * rule it breaks, instead of as a 400 from the forge in the middle of a run; a name git accepts
 * in a form the forge normalises (`a//b`) would otherwise be looked up under another name.
 */

// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHAR = /[\x00-\x20\x7f~^:?*[\\]/;

/** Why `name` is not a valid branch name, or undefined when it is. */
export function refNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  const bad = FORBIDDEN_CHAR.exec(name);
  if (bad) {
    const ch = bad[0];
    if (ch === ' ') return 'contains a space';
    const shown =
      ch.charCodeAt(0) < 0x21 || ch === '\x7f' ? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}` : ch;
    return `contains "${shown}" (no spaces, control characters or ~ ^ : ? * [ \\)`;
  }
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{"';
  if (name === '@') return 'is "@"';
  if (name === 'HEAD') return 'is "HEAD"';
  if (name.startsWith('-')) return 'starts with "-"';
  if (name.startsWith('/') || name.endsWith('/')) return 'starts or ends with "/"';
  if (name.includes('//')) return 'contains "//"';
  if (name.endsWith('.')) return 'ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `has a component starting with "." ("${part}")`;
    if (part.endsWith('.lock')) return `has a component ending with ".lock" ("${part}")`;
  }
  return undefined;
}

export function isValidBranchName(name: string): boolean {
  return refNameProblem(name) === undefined;
}

/** A config or CLI value that is a branch name. */
export const branchName = z
  .string()
  .superRefine((value, ctx) => {
    const problem = refNameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `not a valid git branch name: ${problem}` });
  })
  .meta({ description: 'a git branch name (git check-ref-format --branch)', minLength: 1 });

/**
 * A value that becomes part of a branch name (`release-bot/update-<name>`): valid when the branch
 * it makes is.
 */
export function branchPart(make: (value: string) => string) {
  return z.string().superRefine((value, ctx) => {
    if (value === '') return ctx.addIssue({ code: 'custom', message: 'is empty' });
    const branch = make(value);
    const problem = refNameProblem(branch);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: `makes the branch "${branch}", not a valid git branch name: ${problem}`,
      });
  });
}
