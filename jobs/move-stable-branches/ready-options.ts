import { z } from 'zod';
import { duration } from '../../src/kit/duration.js';
import { render } from '../../src/kit/template.js';

/**
 * When a moved stable branch is *ready* for the repos that depend on it (Packit: the new stable's
 * Copr build exists, because the dependents' images install it). Configured on the dependency:
 * CI checks on its new stable head that must pass, or an HTTP probe (Copr's package API). The
 * dependents wait across polls, up to `timeout` from the first poll that saw it not ready.
 */

/** Placeholders of a probe's `url` and `contains`: the moved stable head, in full and short. */
export const PROBE_PLACEHOLDERS = { sha: '0'.repeat(40), sha7: '0'.repeat(7), sha12: '0'.repeat(12) };

const templatedUrl = z
  .string()
  .min(1)
  .refine((url) => {
    try {
      return /^https?:$/.test(new URL(render(url, PROBE_PLACEHOLDERS)).protocol);
    } catch {
      return false;
    }
  }, 'must be an http(s) URL ({sha}, {sha7} and {sha12} are replaced by the stable head)');

export const probeSchema = z
  .object({
    /** GET this; `{sha}`, `{sha7}`, `{sha12}` become the dependency's new stable head. */
    url: templatedUrl.describe('GET this; {sha}, {sha7}, {sha12} become the new stable head.'),
    status: z.number().int().min(100).max(599).default(200),
    /** A field of the JSON answer (dot path), e.g. `builds.latest_succeeded.source_package.version`… */
    field: z.string().min(1).optional().describe('A field of the JSON answer (dot path).'),
    /** …that must equal this… */
    equals: z.string().optional().describe('The field must equal this ({sha…} replaced).'),
    /** …or contain this (`{sha7}`: Copr versions end in `.g<sha7>`). */
    contains: z
      .string()
      .min(1)
      .optional()
      .describe('The field must contain this, e.g. {sha7} in a Copr version.'),
    timeoutSeconds: z.number().positive().max(120).default(10),
  })
  .strict()
  .refine((p) => (p.equals === undefined && p.contains === undefined) || p.field !== undefined, {
    message: '`equals` and `contains` need `field`',
    path: ['field'],
  });

export const readySchema = z
  .object({
    /** Check or status names on the dependency's new stable head that must pass, e.g. `copr-build*`. */
    checks: z
      .array(z.string().min(1))
      .min(1, 'list at least one check name pattern')
      .optional()
      .describe('Check or status name patterns on the new stable head that must pass, e.g. copr-build*.'),
    probe: probeSchema.optional().describe('An HTTP probe that must answer as expected (instead of checks).'),
    /** Give up (and stop the dependents, alerting once) when not ready this long after the first look. */
    timeout: duration
      .default('2h')
      .describe('Not ready this long after the first look: the dependents stop (one alert).'),
  })
  .strict()
  .refine((r) => r.checks !== undefined || r.probe !== undefined, {
    message: 'set `checks` (CI checks on the new stable head) or `probe` (an HTTP probe)',
  });

export type Ready = z.infer<typeof readySchema>;
export type Probe = z.infer<typeof probeSchema>;
