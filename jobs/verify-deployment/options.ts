import { z } from 'zod';
import { projectPath } from '../../src/kit/repo-path.js';
import { duration, parseDuration } from '../../src/kit/duration.js';

/**
 * Config of `verify-deployment`: one entry per watched environment (a forge project's
 * deployments to it), each with its gates. Every gate is optional, but a target needs one.
 *
 * Templates (`{version}`, `{sha}`, `{short_sha}`, `{ref}`, `{environment}`, `{release}`) are
 * filled from the deployment under verification; `{version}` is the deployment's version
 * (GitHub payload `version`) or else its ref (GitLab deployers deploy a package tag).
 */

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const ratio = z.number().min(0).max(1);

/** How much failure a gate tolerates within the window before it fails (see judge.ts). */
function tolerance(consecutive: number, maxRatio: number) {
  return {
    /** Fail as soon as this many samples in a row failed. */
    failAfterConsecutive: z.number().int().min(1).default(consecutive),
    /** Fail when more than this share of the window's samples failed (flapping). */
    maxFailureRatio: ratio.default(maxRatio),
  };
}

const healthCheckSchema = z
  .object({
    /** Shown in reports; default: the URL's path. */
    name: z.string().min(1).optional(),
    url: httpUrl,
    expectStatus: z.number().int().min(100).max(599).default(200),
    /** A slower answer is a failed sample. */
    maxLatency: duration.optional(),
    /** Give up on one request after this long (a failed sample). */
    timeout: duration.default('10s'),
    /** A field of the JSON body that must equal a template, e.g. `{ path: version, equals: '{version}' }`. */
    json: z
      .object({
        /** Dotted path: `version`, `build.sha`. */
        path: z.string().regex(/^[\w-]+(\.[\w-]+)*$/, 'a dotted path like build.version'),
        equals: z.string(),
      })
      .strict()
      .optional(),
  })
  .strict();

const healthSchema = z
  .object({
    checks: z.array(healthCheckSchema).min(1, 'list at least one health check'),
    ...tolerance(3, 0.2),
  })
  .strict();

const sentrySchema = z
  .object({
    /** Sentry web origin (self-hosted or https://sentry.io). */
    url: httpUrl.default('https://sentry.io'),
    org: z.string().min(1),
    project: z.string().min(1),
    /** An auth token with `event:read` (masked everywhere). */
    authToken: z.string().min(1, 'authToken is empty'),
    /** Sentry environment; default: the target's environment. */
    environment: z.string().min(1).optional(),
    /** Issue search; `{release}` is the deployment's release name. */
    query: z.string().default('is:unresolved release:"{release}"'),
    /** Only issues first seen after the deployment started count (new issues, not old ones recurring). */
    newOnly: z.boolean().default(true),
    /** Fail when more new issues than this are found. */
    maxNewIssues: z.number().int().min(0).default(0),
  })
  .strict();

const metricQuerySchema = z
  .object({
    name: z.string().min(1),
    /** PromQL instant query; templates allowed (`{environment}`, `{version}`). */
    query: z.string().min(1),
    /** A sample fails when a series is above `max` or below `min`. */
    max: z.number().optional(),
    min: z.number().optional(),
  })
  .strict()
  .refine((q) => q.max !== undefined || q.min !== undefined, 'give a threshold: max, min or both');

const metricsSchema = z
  .object({
    /** Prometheus (or compatible) HTTP API origin, e.g. http://prometheus:9090. */
    url: httpUrl,
    /** Bearer token, when the API needs one (masked everywhere). */
    token: z.string().min(1).optional(),
    queries: z.array(metricQuerySchema).min(1, 'list at least one query'),
    /** An empty result (no series): `pass` (nothing to measure yet) or `fail`. */
    noData: z.enum(['pass', 'fail']).default('pass'),
    ...tolerance(2, 0.34),
  })
  .strict();

export const targetSchema = z
  .object({
    /** What `--environment` selects; default: the environment. */
    name: z
      .string()
      .regex(/^[\w.-]+$/, 'letters, digits, dot, dash, underscore')
      .optional(),
    forge: z.string(),
    project: projectPath,
    environment: z.string().min(1),
    /** The release name in Sentry (and `{release}` elsewhere). */
    release: z.string().default('{version}'),
    /** Override the job's window and interval for this target. */
    window: duration.optional(),
    interval: duration.optional(),
    health: healthSchema.optional(),
    sentry: sentrySchema.optional(),
    metrics: metricsSchema.optional(),
    /** Override the job's rollback mode for this target. */
    rollback: z.enum(['auto', 'manual']).optional(),
    /**
     * Refuse a rollback past post-deploy migrations (what track-post-deploy-migrations recorded).
     * Turn off only for services without post-deploy migrations.
     */
    checkPostDeployMigrations: z.boolean().default(true),
    slackChannel: z.string().optional(),
    /** Trusted mention for alerts (`<!subteam^ID>` or `@oncall`). */
    mention: z.string().optional(),
  })
  .strict()
  .refine((t) => t.health || t.sentry || t.metrics, 'configure at least one gate: health, sentry or metrics');

export const optionsSchema = z.object({
  /** How long the gates are watched after a deploy, and how often they are sampled. */
  window: duration.default('10m'),
  interval: duration.default('30s'),
  /** `manual`: recommend the rollback command; `auto`: roll back (when it is safe). */
  rollback: z.enum(['auto', 'manual']).default('manual'),
  /** How many earlier deployments to search for the one to roll back to. */
  lookback: z.number().int().min(1).max(100).default(20),
  targets: z
    .array(targetSchema)
    .min(1, 'list at least one target environment')
    .superRefine((targets, ctx) => {
      const seen = new Set<string>();
      targets.forEach((t, i) => {
        const name = t.name ?? t.environment;
        if (seen.has(name))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            message: `duplicate target "${name}": give each target a distinct name`,
          });
        seen.add(name);
      });
    }),
});

export type Options = z.infer<typeof optionsSchema>;
export type Target = z.infer<typeof targetSchema>;
export type HealthCheck = z.infer<typeof healthCheckSchema>;
export type MetricQuery = z.infer<typeof metricQuerySchema>;

/**
 * Window and interval problems (checked by `checkConfig`: the job's top-level refinements do not
 * survive being merged into the config schema).
 */
export function timingProblems(options: Options): string[] {
  const problems: string[] = [];
  const check = (window: string, interval: string, path: string) => {
    const w = parseDuration(window);
    const i = parseDuration(interval);
    if (w !== undefined && i !== undefined && (i <= 0 || i > w))
      problems.push(`${path}: interval ${interval} must be positive and at most the window ${window}`);
  };
  check(options.window, options.interval, 'interval');
  options.targets.forEach((t, i) =>
    check(t.window ?? options.window, t.interval ?? options.interval, `targets[${i}].interval`),
  );
  return problems;
}

export function targetName(target: Target): string {
  return target.name ?? target.environment;
}

/** The target's window and interval in milliseconds. */
export function timing(options: Options, target: Target): { windowMs: number; intervalMs: number } {
  return {
    windowMs: parseDuration(target.window ?? options.window)!,
    intervalMs: parseDuration(target.interval ?? options.interval)!,
  };
}
