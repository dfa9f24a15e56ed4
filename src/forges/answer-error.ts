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
