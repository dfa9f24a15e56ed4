import { ForgeError } from '../errors.js';
import { mask } from '../secrets/masker.js';

/**
 * A forge answered something the bot will not act on: a sha that is not a sha, an MR of another
 * branch than the one asked for, a link to another host. Not transient: asking again gets the
 * same answer, so the run fails here, before any job reads the value. Status 502 like any other
 * bad answer from upstream.
 */
export class ForgeAnswerError extends ForgeError {
  override name = 'ForgeAnswerError';
  constructor(
    forge: string,
    /** The Forge method, e.g. `repo.getBranch`. */
    readonly operation: string,
    /** Where in the answer, e.g. `sourceBranch` or `[3].sha`. */
    readonly field: string,
    problem: string,
  ) {
    super(
      mask(
        `${forge}: ${operation} answered an invalid ${field || 'value'}: ${problem} (refusing to act on it)`,
      ),
      502,
      forge,
      operation,
    );
  }
}

/** A limit that keeps a broken or hostile forge from making a run endless or exhausting memory. */
export class ForgeLimitError extends ForgeError {
  override name = 'ForgeLimitError';
  constructor(
    forge: string,
    readonly limit: 'pages-per-call' | 'requests-per-run' | 'answer-bytes',
    message: string,
    route?: string,
  ) {
    super(mask(`${forge}: ${message}`), 502, forge, route);
  }
}

/**
 * Thrown by an adapter's mapping when a raw answer field is not one of the values the forge
 * documents (an MR state nobody knows): answers.ts turns it into a ForgeAnswerError naming the
 * operation, so an unknown value is refused instead of guessed.
 */
export class AnswerFieldError extends Error {
  override name = 'AnswerFieldError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** The raw `value` if it is one of `known`, else an AnswerFieldError for `field`. */
export function knownValue<T extends string>(field: string, value: unknown, known: readonly T[]): T {
  if (typeof value === 'string' && (known as readonly string[]).includes(value)) return value as T;
  throw new AnswerFieldError(
    field,
    `expected one of ${known.join(', ')}, got ${JSON.stringify(value) ?? 'nothing'}`,
  );
}
